package tensorflow

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// FuzzParse checks that Parse never panics, that its errors are
// tensorflow FormatErrors inside the file, that Scan agrees with Parse and
// that every finding is complete.
func FuzzParse(f *testing.F) {
	for _, b := range scantest.SeedFiles(f, 0, filepath.Join("testdata", "*.pb"),
		filepath.Join("..", "..", "testdata", "models", "tensorflow", "*", "saved_model.pb")) {
		f.Add(b)
	}
	y := []string{"MatMul"}
	f.Add(savedModel(tf1Graph(y, nodeDef("rf", "ReadFile", nil)).metaGraph()))
	f.Add(savedModel(tf2Graph([][]byte{nodeDef("s", "SaveV2", nil)}).metaGraph()))
	f.Add(savedModel(tf1Graph(y, nodeDef("d", "DebugIdentity", nil, attrList("debug_urls", "grpc://x"))).metaGraph()))
	f.Add([]byte{0x0b, 0x08, 0x01, 0x0c})
	s := New()
	f.Fuzz(func(t *testing.T, in []byte) {
		size := int64(len(in))
		m, err := Parse(bytes.NewReader(in), size, DefaultLimits())
		fs, serr := scanners.FindingsOf(s.Scan(context.Background(), scanners.File{Size: size, R: bytes.NewReader(in)}))
		if (err == nil) != (serr == nil) {
			t.Fatalf("Parse error %v, Scan error %v", err, serr)
		}
		for _, fd := range fs {
			if fd.Rule == "" || fd.Message == "" || fd.ATLAS == "" || fd.Offset < 0 || fd.Offset >= size {
				t.Fatalf("bad finding %+v", fd)
			}
		}
		if err != nil {
			scantest.CheckFormatError(t, err, "tensorflow", size)
			if m != nil {
				t.Fatal("Parse returned a model with an error")
			}
			return
		}
		if len(m.MetaGraphs) == 0 {
			t.Fatal("no meta graphs and no error")
		}
		for _, mg := range m.MetaGraphs {
			total := len(mg.Nodes)
			for _, fn := range mg.Functions {
				total += len(fn.Nodes)
			}
			sum := 0
			for _, n := range mg.Ops {
				sum += n
			}
			if sum != total {
				t.Fatalf("op histogram counts %d nodes of %d", sum, total)
			}
		}
	})
}
