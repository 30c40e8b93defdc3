package runner

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// countedStream is a one-entry streamed Source that counts the bytes its
// entry's reader hands out.
type countedStream struct {
	path string
	b    []byte
	read int64
}

func (s *countedStream) Info() source.Info { return source.Info{Kind: "stream", Root: "s", Name: "s"} }

func (s *countedStream) Walk(_ context.Context, fn source.WalkFunc) error {
	return fn(&countedEntry{s: s}, nil)
}

type countedEntry struct{ s *countedStream }

func (e *countedEntry) Path() string   { return e.s.path }
func (e *countedEntry) Size() int64    { return int64(len(e.s.b)) }
func (e *countedEntry) Digest() string { return "" }
func (e *countedEntry) Open(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(&countReader{r: bytes.NewReader(e.s.b), n: &e.s.read}), nil
}

type countReader struct {
	r io.Reader
	n *int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// TestStreamedSkipMatchesFullScan: a streamed entry gives the result a
// scan of the same bytes held in memory gives, whether or not its head
// lets the runner skip it; and an entry no scanner wants is not read past
// its head when hashing is off (it is not buffered).
func TestStreamedSkipMatchesFullScan(t *testing.T) {
	t.Parallel()
	evil := "\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R."
	cases := []struct {
		name    string
		b       []byte
		skipped bool // not read past its head when hashing is off
	}{
		{"zeros.bin", make([]byte, 3<<20), true},
		{"notes.log", []byte(strings.Repeat("# just a log file\n", 150000)), true}, // no scanner wants .log (the text scanner reads config-, card- and tokenizer-named files)
		{"model.bin", append([]byte(evil), make([]byte, 2<<20)...), false},
		{"small.pkl", []byte(evil), false},
		{"small.txt", []byte("hello"), false},
		// A name that claims a format no scanner finds is invalid with the
		// reason, streamed or not: never skipped as unscanned.
		{"zeros.safetensors", make([]byte, 3<<20), false},
		// A pickle whose first import comes after megabytes of string data:
		// the head alone must not let it be skipped.
		{"late.bin", lateImport(3 << 20), false},
	}
	for _, tc := range cases {
		for _, hash := range []bool{true, false} {
			opts := []Option{WithWorkers(1)}
			if !hash {
				opts = append(opts, WithoutHash())
			}
			r := New(opts...)
			want := r.ScanReaderAt(context.Background(), tc.name, bytes.NewReader(tc.b), int64(len(tc.b)))
			want.Metadata = nil
			src := &countedStream{path: tc.name, b: tc.b}
			items, err := r.ScanSource(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			got := items[0].Result
			got.Metadata = nil
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("%s (hash %v): streamed result differs from the full scan (-want +got):\n%s", tc.name, hash, d)
			}
			if sp := r.spooled.Load(); tc.skipped != (sp == 0) {
				t.Errorf("%s (hash %v): %d bytes spooled, want skipped=%v", tc.name, hash, sp, tc.skipped)
			}
		}
	}
}

// TestStreamedZipBehindBytes: a large streamed entry whose end is a zip
// but whose head is not cannot be decided from what is kept: it is not
// buffered, and it is reported invalid, never clean or unscanned.
func TestStreamedZipBehindBytes(t *testing.T) {
	t.Parallel()
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, err := zw.Create("data.pkl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	b := append(bytes.Repeat([]byte("x"), 2<<20), z.Bytes()...)
	r := New(WithWorkers(1))
	items, err := r.ScanSource(context.Background(), &countedStream{path: "blob", b: b})
	if err != nil {
		t.Fatal(err)
	}
	if v := items[0].Result.Verdict; v < scanners.Suspicious {
		t.Errorf("verdict %v, want at least invalid: %+v", v, items[0].Result)
	}
}

// lateImport is a protocol-2 pickle that pushes a string of n bytes, pops
// it, then calls os.system: its import comes long after any head.
func lateImport(n int) []byte {
	b := []byte("\x80\x02X")
	b = append(b, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	b = append(b, bytes.Repeat([]byte("a"), n)...)
	b = append(b, "0cos\nsystem\nX\x04\x00\x00\x00true\x85R."...)
	return b
}
