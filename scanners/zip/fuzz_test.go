package zip

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

func FuzzOpen(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && filepath.Ext(name) != ".py" && filepath.Ext(name) != ".md" {
			f.Add(b)
		}
	}
	f.Add(buildZip([]member{{name: "a", data: pickle, method: Deflate, flags: FlagDataDescriptor}}, layout{zip64: true, prefix: []byte("x")}))
	f.Add(buildZip([]member{{name: "a", data: pickle}, {name: "b", data: pickle, lhoFrom: 1}}, layout{trailEOCDs: 1}))
	f.Add(buildZip([]member{{name: "../a", localName: ptr("b"), data: pickle, method: Deflate, crc: ptr(uint32(1))}}, layout{count: ptr(3)}))
	f.Add(buildZip([]member{{name: "e", data: pickle, raw: []byte("\x1f\x8b ciphertext"), method: Deflate, flags: FlagEncrypted},
		{name: "s", data: pickle, raw: append(make([]byte, 12), pickle...), flags: FlagEncrypted, crc: ptr(uint32(9))}}, layout{}))
	lim := Limits{MaxEntries: 64, MaxCentralDirectory: 1 << 16, MaxEntrySize: 1 << 20, MaxTotalSize: 4 << 20, MaxGapScan: 1 << 16}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		Sniff(r, int64(len(b)), b)
		a, err := Open(r, int64(len(b)), lim)
		if err != nil {
			return
		}
		if len(a.Entries) > lim.MaxEntries {
			t.Fatalf("%d entries, limit %d", len(a.Entries), lim.MaxEntries)
		}
		for i := range a.Entries {
			if er, err := a.Entries[i].Open(); err == nil {
				_, _ = io.Copy(io.Discard, er)
				_ = er.Close()
			}
		}
		fn := &scantest.Nester{FullBelow: 1 << 16}
		fl := scanners.File{Path: "f.zip", Size: int64(len(b)), R: r, Nested: fn}
		ctx, w := safeio.WithWork(context.Background(), safeio.WorkLimits{MaxEntries: 32, MaxBytes: 2 << 20, MaxMemory: 1 << 16})
		_, _ = ScanArchive(ctx, fl, a, ScanOptions{MaxMember: 1 << 20, MaxMemory: 1 << 16})
		if n := w.MemoryInUse(); n != 0 {
			t.Fatalf("%d bytes of spool memory not released", n)
		}
	})
}
