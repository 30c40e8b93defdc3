package safetensors

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
)

// FuzzParse checks that Parse never panics, that its errors are
// *scanners.FormatErrors inside the file, and that every Header it returns
// keeps its promises (see checkInvariants).
func FuzzParse(f *testing.F) {
	for _, b := range scantest.SeedFiles(f, 0, filepath.Join("testdata", "*.safetensors")) {
		f.Add(b)
	}
	f.Add(build(map[string]string{"a": "b"}, manyTensors(5)...))
	for _, c := range validCases() {
		f.Add(c.in)
	}
	for _, cs := range [][]errCase{lengthCases(), textCases(), keyCases(), fieldCases(), layoutCases()} {
		for _, c := range cs {
			if len(c.in) < 4096 {
				f.Add(c.in)
			}
		}
	}
	s := New()
	f.Fuzz(func(t *testing.T, in []byte) {
		size := int64(len(in))
		h, err := Parse(bytes.NewReader(in), size, DefaultLimits())
		if err != nil {
			scantest.CheckFormatError(t, err, "safetensors", size)
			if h != nil {
				t.Fatal("Parse returned a Header with an error")
			}
			return
		}
		checkInvariants(t, h, size)
		if !s.Match(fileOf(in), head(in)) {
			t.Fatal("Match rejected a file that Parse accepts")
		}
	})
}
