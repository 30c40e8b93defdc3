package chattemplate

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// FuzzScanYAML scans arbitrary bytes as a YAML config: no panic, and the
// offsets reported stay inside the file.
func FuzzScanYAML(f *testing.F) {
	for _, b := range scantest.SeedFiles(f, 1<<16, filepath.Join("..", "..", "testdata", "models", "chat_template", "*")) {
		f.Add(b)
	}
	f.Add([]byte("chat_template: |\n  {% for m in messages %}{{ m }}{% endfor %}\n"))
	f.Add([]byte("a: &x [*x]\nchat_template:\n  - name: n\n    template: \"{{ x }}\"\n"))
	f.Add([]byte("x:\n  y:\n    chat_template: '{{ cycler.__init__.__globals__ }}'\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		fl := scanners.File{Path: "c.yaml", Size: int64(len(in)), R: bytes.NewReader(in)}
		s := New()
		if !s.Match(fl, in[:min(len(in), scanners.HeadSize)]) {
			return
		}
		res, _ := s.Scan(context.Background(), fl)
		for _, fd := range res.Findings {
			if fd.Offset < 0 || fd.Offset > int64(len(in)) {
				t.Fatalf("finding at %d outside %d bytes: %+v", fd.Offset, len(in), fd)
			}
		}
	})
}
