package gguf

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
)

// FuzzParse checks that Parse never panics, that its errors are gguf
// FormatErrors inside the file, that what it returns keeps its promises,
// and that the template analysis of any template it finds terminates
// without panicking.
func FuzzParse(f *testing.F) {
	for _, b := range scantest.SeedFiles(f, 0, filepath.Join("..", "..", "testdata", "models", "gguf", "*.gguf")) {
		f.Add(b)
	}
	f.Add(model())
	for _, c := range sstiCases() {
		f.Add(build(3, [][2]any{{"tokenizer.chat_template", c.src}}))
	}
	for _, cs := range [][]errCase{headerCases(), kvCases(), alignCases(), tensorCases()} {
		for _, c := range cs {
			f.Add(c.in)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		size := int64(len(in))
		file, err := Parse(bytes.NewReader(in), size, DefaultLimits())
		if err != nil {
			scantest.CheckFormatError(t, err, "gguf", size)
			if file != nil {
				t.Fatal("Parse returned a File with an error")
			}
		} else {
			checkInvariants(t, file, size)
		}
		partial, _ := parseContext(t.Context(), bytes.NewReader(in), size, DefaultLimits())
		for _, ct := range partial.ChatTemplates {
			for _, is := range AnalyzeTemplate(ct.Text) {
				if is.Pos < 0 || is.Pos > len(ct.Text) {
					t.Fatalf("issue %+v outside the %d-byte template", is, len(ct.Text))
				}
			}
		}
	})
}

func checkInvariants(t *testing.T, f *File, size int64) {
	t.Helper()
	if f.Alignment == 0 || f.Alignment&(f.Alignment-1) != 0 || f.DataOffset%int64(f.Alignment) != 0 {
		t.Fatalf("alignment %d, data offset %d", f.Alignment, f.DataOffset)
	}
	for _, tn := range f.Tensors {
		end := uint64(f.DataOffset) + tn.Offset + tn.Size
		if len(tn.Shape) > maxDims || end > uint64(size) || tn.Offset%uint64(f.Alignment) != 0 {
			t.Fatalf("tensor %+v outside the %d-byte file or misaligned", tn, size)
		}
	}
	for _, ct := range f.ChatTemplates {
		if ct.Offset < 0 || ct.Offset+int64(len(ct.Text)) > size {
			t.Fatalf("template %q outside the file", ct.Key)
		}
	}
}

// FuzzAnalyzeTemplate checks that the template analysis never panics and
// reports positions inside the template.
func FuzzAnalyzeTemplate(f *testing.F) {
	for _, b := range scantest.SeedFiles(f, 0, filepath.Join("testdata", "templates", "*.jinja")) {
		f.Add(string(b))
	}
	for _, c := range sstiCases() {
		f.Add(c.src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, is := range AnalyzeTemplate(src) {
			if is.Pos < 0 || is.Pos > len(src) || is.Rule == "" {
				t.Fatalf("issue %+v outside the %d-byte template", is, len(src))
			}
		}
	})
}
