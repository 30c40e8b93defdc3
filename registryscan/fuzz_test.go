package registryscan

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
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

// FuzzContentRange: the Range and Content-Range parsers never panic, and
// what they accept formats back to the same numbers.
func FuzzContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/100", "bytes 5-9/*", "bytes=0-1048575", "bytes 9-5/10", "bytes -1-2/3", "bytes 1-2/x", "bytes=1-", "bytes=0-1,5-6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, b, total, ok := parseContentRange(s); ok {
			if a < 0 || b < a {
				t.Fatalf("%q: %d-%d accepted", s, a, b)
			}
			again := "bytes " + strconv.FormatInt(a, 10) + "-" + strconv.FormatInt(b, 10) + "/" + totalString(total)
			if a2, b2, t2, ok2 := parseContentRange(again); !ok2 || a2 != a || b2 != b || t2 != total {
				t.Fatalf("%q -> %q does not read back", s, again)
			}
		}
		if a, b, ok := parseRange(s); ok && (a < 0 || b < a) {
			t.Fatalf("%q: range %d-%d accepted", s, a, b)
		}
	})
}
