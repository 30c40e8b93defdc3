package compress

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

func FuzzCompress(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && filepath.Ext(name) != ".py" && filepath.Ext(name) != ".md" {
			f.Add(b)
		}
	}
	payload := []byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93.")
	f.Add(lz4Of(payload))
	f.Add(zfile(payload))
	f.Add(xzOf(bytes.Repeat(payload, 100)))
	f.Add(gz(make([]byte, 512<<10), "")) // past the work budget's bytes
	lim := Limits{MaxSize: 1 << 20, MaxDict: 1 << 20, MaxMemory: 1 << 16, RatioFloor: 1 << 16, MaxRatio: 1000,
		Work: safeio.WorkLimits{MaxBytes: 256 << 10, MaxMemory: 1 << 16}}
	f.Fuzz(func(t *testing.T, b []byte) {
		head := b[:min(len(b), scanners.HeadSize)]
		if format, ok := Detect(head); ok {
			fn := &scantest.Nester{FullBelow: scantest.NoLimit}
			file := scanners.File{Path: "x", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
			ctx, w := safeio.WithWork(context.Background(), lim.Work)
			_, _ = scanners.FindingsOf(New(format, lim).Scan(ctx, file))
			if n := w.MemoryInUse(); n != 0 {
				t.Fatalf("%d bytes of spool memory not released", n)
			}
		}
		// Every decoder, whatever the magic says.
		for _, format := range Formats {
			zr, err := NewReader(format, bytes.NewReader(b), lim)
			if err != nil {
				continue
			}
			n, _ := io.Copy(io.Discard, zr)
			_ = zr.Close()
			if n > lim.MaxSize {
				t.Fatalf("%v: %d bytes out, limit %d", format, n, lim.MaxSize)
			}
		}
	})
}
