package policies

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
)

var fmtRego = flag.Bool("fmt", false, "rewrite the default bundle's Rego as opa fmt formats it")

// TestBundleFormatted: the default bundle's Rego is formatted as opa fmt
// would (-fmt rewrites it).
func TestBundleFormatted(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("bundle", "*.rego"))
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := format.SourceWithOpts(f, src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(src, want) {
			continue
		}
		if *fmtRego {
			if err := os.WriteFile(f, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s is not formatted as opa fmt would (go test -run TestBundleFormatted -fmt)", f)
	}
}
