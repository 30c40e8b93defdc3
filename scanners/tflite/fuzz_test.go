package tflite

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// FuzzParse checks that Parse never panics, that its errors are tflite
// FormatErrors inside the file, that Scan agrees with Parse and that the
// model it returns is consistent.
func FuzzParse(f *testing.F) {
	for _, b := range scantest.SeedFiles(f, 0, filepath.Join("testdata", "*.tflite"),
		filepath.Join("..", "..", "testdata", "models", "tflite", "*.tflite")) {
		f.Add(b)
	}
	f.Add(flatbuffer(modelT(opcode(32, "FlexReadFile"), opcode(150, ""))))
	f.Add(flatbuffer(tbl{u32(3)}))
	s := New()
	f.Fuzz(func(t *testing.T, in []byte) {
		size := int64(len(in))
		m, err := Parse(bytes.NewReader(in), size, DefaultLimits())
		fs, serr := scanners.FindingsOf(s.Scan(context.Background(), scanners.File{Size: size, R: bytes.NewReader(in)}))
		if (err == nil) != (serr == nil) {
			t.Fatalf("Parse error %v, Scan error %v", err, serr)
		}
		for _, fd := range fs {
			if fd.Rule == "" || fd.Global == "" || fd.ATLAS == "" || fd.Offset <= 0 || fd.Offset >= size {
				t.Fatalf("bad finding %+v", fd)
			}
		}
		if err != nil {
			scantest.CheckFormatError(t, err, "tflite", size)
			if m != nil {
				t.Fatal("Parse returned a model with an error")
			}
			return
		}
		if !s.Match(scanners.File{Size: size}, in) {
			t.Fatal("Match rejected a file that Parse accepts")
		}
		ops, total := 0, 0
		for _, sg := range m.Subgraphs {
			ops += sg.Operators
		}
		for _, n := range m.Ops {
			total += n
		}
		if ops != total || m.Version != schemaVersion {
			t.Fatalf("%d operators, histogram counts %d; version %d", ops, total, m.Version)
		}
	})
}
