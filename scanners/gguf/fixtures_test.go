package gguf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestFixtures scans the generated fixtures with this scanner alone and
// checks them against testdata/models/gguf/expected.json.
func TestFixtures(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "testdata", "models", "gguf")
	want := scantest.ReadExpected(t, filepath.Join(dir, "expected.json"))
	s := New()
	for p, w := range want {
		if w.Format != format {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(p, "gguf/")))
		if err != nil {
			t.Fatal(err)
		}
		f := fileOf(b)
		if !s.Match(f, head(b)) {
			t.Errorf("%s: not matched", p)
			continue
		}
		fs, err := scanners.FindingsOf(s.Scan(context.Background(), f))
		if v := scanners.VerdictOf(fs, err); v.String() != w.Verdict {
			t.Errorf("%s: %s, want %s; findings %+v; err %v", p, v, w.Verdict, fs, err)
		}
		for _, g := range w.Globals {
			found := false
			for _, fd := range fs {
				found = found || strings.Contains(fd.Global, g) || strings.Contains(fd.Message, g)
			}
			if !found {
				t.Errorf("%s: %s not reported in %+v", p, g, fs)
			}
		}
	}
}
