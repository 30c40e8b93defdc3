package tar

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

func FuzzTar(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.tar"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add(buildTar([]entry{{name: "a", data: pickle}, {name: "l", link: "../x", typ: 2}}))
	many := make([]entry, 12)
	for i := range many {
		many[i] = entry{name: string(rune('a' + i)), data: pickle}
	}
	f.Add(buildTar(many)) // past the work budget's entries
	lim := Limits{MaxEntries: 64, MaxMemberSize: 1 << 20, MaxMemory: 1 << 16,
		Work: safeio.WorkLimits{MaxEntries: 8, MaxBytes: 256 << 10, MaxMemory: 1 << 16}}
	f.Fuzz(func(t *testing.T, b []byte) {
		Sniff(b)
		_, _ = Walk(bytes.NewReader(b), int64(len(b)), lim, func(m Member) error {
			if m.Offset >= 0 && (m.Offset+m.Size > int64(len(b)) || m.Size < 0) {
				t.Fatalf("member %q: %d bytes at %d outside %d", m.Header.Name, m.Size, m.Offset, len(b))
			}
			_, err := io.Copy(io.Discard, io.LimitReader(m.Stream, 1<<20))
			return err
		})
		fn := &scantest.Nester{}
		file := scanners.File{Path: "x", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
		ctx, w := safeio.WithWork(context.Background(), lim.Work)
		_, _ = scanners.FindingsOf(New(lim).Scan(ctx, file))
		if n := w.MemoryInUse(); n != 0 {
			t.Fatalf("%d bytes of spool memory not released", n)
		}
	})
}
