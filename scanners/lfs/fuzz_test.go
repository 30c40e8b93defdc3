package lfs

import (
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
)

func FuzzParse(f *testing.F) {
	for _, b := range scantest.SeedFiles(f, 0, filepath.Join("testdata", "*")) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if (p == nil) == (err == nil) {
			t.Fatalf("Parse = %v, %v: want exactly one", p, err)
		}
		if p != nil && (len(p.OID) != 64 || p.Size < 0) {
			t.Fatalf("accepted %+v", p)
		}
	})
}
