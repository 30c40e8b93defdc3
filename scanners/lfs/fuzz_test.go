package lfs

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
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
