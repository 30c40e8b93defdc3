package tflite

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// FuzzParse checks that Parse never panics, that its errors are tflite
// FormatErrors inside the file, that Scan agrees with Parse and that the
// model it returns is consistent.
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.tflite"))
	if err != nil {
		f.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "models", "tflite", "*.tflite"))
	for _, p := range append(paths, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
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
			var fe *scanners.FormatError
			if !errors.As(err, &fe) || fe.Format != "tflite" || fe.Offset < 0 || fe.Offset > size {
				t.Fatalf("error %#v is not a tflite FormatError inside the %d-byte file", err, size)
			}
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
