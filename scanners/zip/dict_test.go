package zip

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
	pickles "github.com/seed-43c89ce6/aibom/scanners/pickle"
)

// TestDictTooLarge: far_lzma.zip (scanners/compress/testdata/gen_dict.py)
// has an LZMA member (8 MiB dictionary declared) holding an os.system
// pickle whose call follows a match 1 MiB back. Decoded with a 64 KiB
// dictionary it fails at that match: invalid with a ZIP-DICT-TOO-LARGE
// finding, never clean. With the default limits it is malicious.
func TestDictTooLarge(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/far_lzma.zip")
	if err != nil {
		t.Fatal(err)
	}
	scan := func(lim Limits) ([]scanners.Finding, error) {
		fn := &scantest.Nester{FullBelow: scantest.NoLimit, Next: pickles.New()}
		f := scanners.File{Path: "far_lzma.zip", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
		a, err := Open(f.R, f.Size, lim)
		if err != nil {
			t.Fatal(err)
		}
		return ScanArchive(context.Background(), f, a, ScanOptions{})
	}
	lim := DefaultLimits()
	lim.MaxDict = 64 << 10
	fs, err := scan(lim)
	if got := scanners.VerdictOf(fs, err); got != scanners.Invalid || len(fs) == 0 || fs[0].Rule != RuleDictTooLarge {
		t.Fatalf("64 KiB dictionary: verdict %v, want invalid with %s (findings %v, err %v)", got, RuleDictTooLarge, fs, err)
	}
	fs, err = scan(DefaultLimits())
	if got := scanners.VerdictOf(fs, err); got != scanners.Malicious {
		t.Fatalf("default limits: verdict %v, want malicious (findings %v, err %v)", got, fs, err)
	}
}

// TestWorkTimeInEntry: the time bound holds inside one entry. The clock
// advances one second per reading (the Work's start, the entry's Take,
// then one check per read once a MiB has passed); with a bound of 2 s a
// member of 8 MiB of zeros stops at the first check with a ZIP-BOMB
// finding and an error.
func TestWorkTimeInEntry(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	clk := func() time.Time { return time.Unix(n.Add(1), 0) }
	w := safeio.NewWork(safeio.WorkLimits{MaxTime: 2 * time.Second}, safeio.WithClock(clk))
	b := buildZip([]member{{name: "a.bin", data: make([]byte, 8<<20), method: Deflate}}, layout{})
	fn := &scantest.Nester{FullBelow: scantest.NoLimit}
	f := scanners.File{Path: "z.zip", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	a, err := Open(f.R, f.Size, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	fs, err := ScanArchive(safeio.ContextWithWork(context.Background(), w), f, a, ScanOptions{})
	var fe *scanners.FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "took longer than 2s") {
		t.Fatalf("err %v, want a FormatError about the time bound", err)
	}
	if rules := scantest.Rules(fs); len(rules) != 1 || rules[0] != RuleBomb+":high" {
		t.Fatalf("rules %v, want one %s", rules, RuleBomb)
	}
	if got := fn.Streams(); len(got) != 1 || got[0].Size < safeio.CheckEvery || got[0].Size >= 8<<20 {
		t.Fatalf("want what was read up to the first check scanned, got %+v", got)
	}
}
