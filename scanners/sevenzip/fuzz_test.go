package sevenzip

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

func FuzzSevenZip(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.7z"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add(archive([]byte{idHeader, idFilesInfo, 1, idName, 5, 0, 'a', 0, 0, 0, 0, 0}))
	lim := Limits{MaxEntries: 256, MaxHeaderSize: 1 << 16, MaxMemberSize: 1 << 20, MaxTotalSize: 4 << 20, MaxMemory: 1 << 16,
		Work: safeio.WorkLimits{MaxEntries: 8, MaxBytes: 2 << 20, MaxMemory: 1 << 16}}
	f.Fuzz(func(t *testing.T, b []byte) {
		fn := &scantest.Nester{FullBelow: scantest.NoLimit}
		file := scanners.File{Path: "x.7z", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
		ctx, w := safeio.WithWork(context.Background(), lim.Work)
		_, _ = scanners.FindingsOf(New(lim).Scan(ctx, file))
		if n := w.MemoryInUse(); n != 0 {
			t.Fatalf("%d bytes of spool memory not released", n)
		}
	})
}
