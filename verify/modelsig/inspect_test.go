package modelsig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInspectInterop: every reference vector's claim parses and names its
// signer; the keyless ones the identity the README gives.
func TestInspectInterop(t *testing.T) {
	dir := interopDir()
	sigs, _ := filepath.Glob(filepath.Join(dir, "*", "model.sig"))
	if len(sigs) == 0 {
		t.Skip("no interop vectors")
	}
	for _, p := range sigs {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Inspect(raw, DefaultLimits())
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if c.Signer == "" || c.Files == 0 || c.PredicateType == "" {
			t.Errorf("%s: claim %+v", p, c)
		}
		if strings.HasSuffix(filepath.Dir(p), "-sigstore") && c.Signer != "stefanb@us.ibm.com (https://sigstore.verify.ibm.com/oauth2)" {
			t.Errorf("%s: keyless signer %q", p, c.Signer)
		}
	}
	if _, err := Inspect([]byte(`{}`), DefaultLimits()); err == nil {
		t.Error("an empty object inspected")
	}
	if _, err := Inspect(make([]byte, 100), Limits{MaxSignatureBytes: 10, MaxFiles: 10, MaxCertificates: 1}); err == nil {
		t.Error("over the limit inspected")
	}
}

// FuzzInspect: signature files never panic Inspect, and an accepted one
// names a signer.
func FuzzInspect(f *testing.F) {
	seedSignatures(f, false)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Inspect(b, Limits{MaxSignatureBytes: 1 << 20, MaxFiles: 1000, MaxCertificates: 4})
		if err == nil && (c.Signer == "" || c.Files == 0) {
			t.Fatalf("accepted with claim %+v", c)
		}
	})
}
