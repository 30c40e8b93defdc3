package keras

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/zip"
)

// FuzzParse checks that Parse never panics, that its errors are keras or
// zip FormatErrors, that HDF5 offsets lie inside the file, and that Scan
// agrees with Parse.
func FuzzParse(f *testing.F) {
	for _, b := range scantest.SeedFiles(f, 1<<16, filepath.Join("..", "..", "testdata", "models", "keras", "*")) {
		f.Add(b)
	}
	for _, c := range ruleCases() {
		f.Add(h5Model(c.config, true))
		f.Add(h5Builder{v2: true, continuation: true, attrs: []h5Attr{{name: "model_config", value: c.config}}}.build())
		f.Add(kerasZip(f, c.config))
	}
	for _, c := range hdf5ErrCases() {
		f.Add(c.in)
	}
	// Small limits keep each run fast: a deflated config.json can expand
	// a thousandfold, and millions of JSON values take seconds.
	lim := DefaultLimits()
	lim.MaxUserBlock = 1 << 16
	lim.MaxConfig = 1 << 20
	lim.MaxNodes = 1 << 15
	lim.Zip.MaxEntrySize = 4 << 20
	s := New(WithLimits(lim), WithScanOptions(zip.ScanOptions{MaxMember: 4 << 20}))
	f.Fuzz(func(t *testing.T, in []byte) {
		size := int64(len(in))
		m, err := Parse(bytes.NewReader(in), size, lim)
		for _, fe := range scanners.FormatErrors(err) {
			if fe.Format != format && fe.Format != "zip" {
				t.Fatalf("error %v from format %q", fe, fe.Format)
			}
			if fe.Member == "" && (fe.Offset < -1 || fe.Offset > size) {
				t.Fatalf("error %v at offset %d outside the %d-byte input", fe, fe.Offset, size)
			}
		}
		if err != nil && !errors.As(err, new(*scanners.FormatError)) {
			t.Fatalf("error %v is not a FormatError", err)
		}
		if m == nil {
			if err == nil {
				t.Fatal("nil Model without an error")
			}
			return
		}
		for _, fd := range m.Findings {
			if fd.Rule == "" || fd.Offset < 0 || (m.Container == ContainerHDF5 && fd.Offset > size) {
				t.Fatalf("bad finding %+v", fd)
			}
		}
		if recognised(s, in) {
			file := fileOf(in)
			file.Nested = &recorder{}
			_, _ = scanners.FindingsOf(s.Scan(context.Background(), file))
		}
	})
}

func BenchmarkParseHDF5(b *testing.B) {
	in, err := os.ReadFile(filepath.Join("..", "..", "testdata", "models", "keras", "lambda_nested_vlen.h5"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseKeras(b *testing.B) {
	in, err := os.ReadFile(filepath.Join("..", "..", "testdata", "models", "keras", "lambda_nested.keras"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}
