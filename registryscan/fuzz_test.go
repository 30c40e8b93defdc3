package registryscan

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadResults: any bytes give results or an error, never a panic;
// the good prefix is whole lines that read back to the same results.
func FuzzReadResults(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "results.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte("{}\n{\"digest\":\"x\"}\n"))
	f.Add([]byte("\n\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rs, n, err := ReadResults(bytes.NewReader(in))
		if n < 0 || n > int64(len(in)) {
			t.Fatalf("prefix %d of %d bytes", n, len(in))
		}
		if err != nil {
			return
		}
		if n > 0 && in[n-1] != '\n' {
			t.Fatalf("prefix %d does not end a line", n)
		}
		again, n2, err := ReadResults(bytes.NewReader(in[:n]))
		if err != nil || n2 != n || len(again) != len(rs) {
			t.Fatalf("the good prefix reads back to %d results (%d bytes, %v), want %d (%d)", len(again), n2, err, len(rs), n)
		}
		Summarize(rs)
	})
}
