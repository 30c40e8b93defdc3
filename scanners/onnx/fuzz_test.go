package onnx

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// FuzzParse checks that Parse never panics, that its errors are onnx
// FormatErrors inside the file, that what it records stays within the
// limits, and that Scan agrees with Parse.
func FuzzParse(f *testing.F) {
	for _, b := range scantest.SeedFiles(f, 0, filepath.Join("..", "..", "testdata", "models", "onnx", "*.onnx")) {
		f.Add(b)
	}
	f.Add([]byte(benignModel()))
	f.Add(nested(5))
	for _, c := range errCases() {
		if len(c.in) < 4096 {
			f.Add(c.in)
		}
	}
	lim := Limits{MaxDepth: 40, MaxString: 64, MaxRecords: 8}
	f.Fuzz(func(t *testing.T, in []byte) {
		size := int64(len(in))
		m, err := Parse(bytes.NewReader(in), size, lim)
		if err != nil {
			scantest.CheckFormatError(t, err, format, size)
		}
		if m == nil {
			if size > 0 {
				t.Fatal("Parse returned no Model for a non-empty file")
			}
			return
		}
		checkInvariants(t, m, lim, err)
		fs, serr := scanners.FindingsOf(New(WithLimits(lim)).Scan(context.Background(), fileOf(in)))
		if (serr == nil) != (err == nil) || len(fs) != len(m.Findings("")) {
			t.Fatalf("Scan (%d findings, %v) disagrees with Parse (%v)", len(fs), serr, err)
		}
		New().Match(fileOf(in), head(in))
	})
}

func checkInvariants(t *testing.T, m *Model, lim Limits, err error) {
	t.Helper()
	if err == nil && m.IRVersion == 0 {
		t.Fatal("model without ir_version accepted")
	}
	if len(m.Initializers) > lim.MaxRecords || int64(len(m.Initializers)) > m.InitializerCount {
		t.Fatalf("%d initializers recorded of %d", len(m.Initializers), m.InitializerCount)
	}
	if len(m.Inputs) > lim.MaxRecords || len(m.Outputs) > lim.MaxRecords || len(m.Opsets) > lim.MaxRecords ||
		len(m.Metadata) > lim.MaxRecords || len(m.Functions) > lim.MaxRecords || len(m.ops) > lim.MaxRecords {
		t.Fatal("records exceed MaxRecords")
	}
	var n int64
	for _, o := range m.Ops(0) {
		n += o.Count
	}
	if n != m.Nodes {
		t.Fatalf("histogram counts %d nodes, Nodes is %d", n, m.Nodes)
	}
	for _, x := range m.Findings("") {
		if x.Rule == "" || x.ATLAS == "" || x.Offset < 0 {
			t.Fatalf("bad finding %+v", x)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	var nodes []msg
	for i := range 2000 {
		nodes = append(nodes, node("", "MatMul"), node("", "Add", attrInt("axis", int64(i))))
	}
	var inits []msg
	for range 500 {
		inits = append(inits, tensor("w", 4096, 32, 32))
	}
	in := model(graph(nodes, inits...))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}
