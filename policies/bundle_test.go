package policies

import (
	"context"
	"testing"
	"time"
)

// TestDefaultBundleRego runs the Rego tests of the default bundle, as opa
// test would: every policy has its own *_test.rego.
func TestDefaultBundleRego(t *testing.T) {
	t.Parallel()
	b, err := DefaultBundle()
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Test(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]int{}
	for _, r := range res {
		if !r.Pass {
			t.Errorf("%s:%d: %s.%s: %s", r.File, r.Line, r.Package, r.Name, r.Error)
		}
		tested[r.Package]++
	}
	for _, pkg := range []string{"signature", "attestations", "verdicts", "formats", "licenses", "provenance", "sensitive_data", "freshness"} {
		if tested["data.aibom."+pkg+"_test"] < 3 {
			t.Errorf("policy aibom.%s has %d tests", pkg, tested["data.aibom."+pkg+"_test"])
		}
	}
}
