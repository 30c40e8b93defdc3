package compress

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
)

// scanPickle scans the stream b with the pickle scanner behind it.
func scanPickle(t *testing.T, b []byte, lim Limits) ([]scanners.Finding, *scantest.Nester, error) {
	t.Helper()
	f, ok := Detect(b[:min(len(b), scanners.HeadSize)])
	if !ok {
		t.Fatal("not detected")
	}
	fn := &scantest.Nester{FullBelow: scantest.NoLimit, Next: pickle.New()}
	file := scanners.File{Path: "model.joblib", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	fs, err := scanners.FindingsOf(New(f, lim).Scan(context.Background(), file))
	return fs, fn, err
}

func hasRule(fs []scanners.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

// TestDictTooLarge: far.pkl.xz and far.pkl.lzma (gen_dict.py) declare a
// 64 MiB dictionary and refer back 17 MiB, past safeio.MaxDict, to reach
// their os.system call. They are decoded with 16 MiB, fail at that match,
// and come out invalid with a COMPRESS-DICT-TOO-LARGE finding: never clean.
// With a limit above the distance the same files are malicious, so the
// failure is the dictionary bound and nothing else.
func TestDictTooLarge(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"far.pkl.xz", "far.pkl.lzma"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := readTestdata(t, name)
			fs, fn, err := scanPickle(t, b, Limits{})
			if got := scanners.VerdictOf(fs, err); got != scanners.Invalid {
				t.Fatalf("verdict %v, want invalid (findings %v, err %v)", got, fs, err)
			}
			if !hasRule(fs, RuleDictTooLarge) || !strings.Contains(err.Error(), "dictionary") {
				t.Fatalf("findings %v, err %v: want %s", fs, err, RuleDictTooLarge)
			}
			// What the decoder handed out before the far match (all but
			// what sat in its dictionary) is scanned.
			if got := fn.Streams(); len(got) != 1 || got[0].Size < safeio.MaxDict-(1<<20) {
				t.Fatalf("the output before the far match was not scanned: %+v", got)
			}
			fs, _, err = scanPickle(t, b, Limits{MaxDict: 32 << 20})
			if got := scanners.VerdictOf(fs, err); got != scanners.Malicious {
				t.Fatalf("with a 32 MiB dictionary: verdict %v, want malicious (findings %v, err %v)", got, fs, err)
			}
		})
	}
}

// TestDictDeclaredNotNeeded: near.pkl.xz declares a 64 MiB dictionary (xz
// -9) but never refers back past 16 MiB: it is decoded in full with
// safeio.MaxDict and its payload is found. A model compressed at the
// largest preset is still scanned.
func TestDictDeclaredNotNeeded(t *testing.T) {
	t.Parallel()
	fs, _, err := scanPickle(t, readTestdata(t, "near.pkl.xz"), Limits{})
	if got := scanners.VerdictOf(fs, err); got != scanners.Malicious || hasRule(fs, RuleDictTooLarge) {
		t.Fatalf("verdict %v, want malicious (findings %v, err %v)", got, fs, err)
	}
}

// tickClock is a clock that advances one second each time it is read.
type tickClock struct{ n atomic.Int64 }

func (c *tickClock) now() time.Time { return time.Unix(c.n.Add(1), 0) }

// TestWorkTimeInStream: the time bound of the top-level file holds inside
// one stream, not only between streams and entries. The clock advances one
// second per reading (the Work's start, its Take, then one check per MiB
// decompressed), and the bound is 3 s: decompression of 8 MiB of zeros
// stops after 3 MiB with a COMPRESS-BOMB finding and an error.
func TestWorkTimeInStream(t *testing.T) {
	t.Parallel()
	b := gz(make([]byte, 8<<20), "")
	clk := &tickClock{}
	w := safeio.NewWork(safeio.WorkLimits{MaxTime: 3 * time.Second}, safeio.WithClock(clk.now))
	ctx := safeio.ContextWithWork(context.Background(), w)
	fn := &scantest.Nester{FullBelow: scantest.NoLimit}
	file := scanners.File{Path: "x.gz", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	fs, err := scanners.FindingsOf(New(Gzip, Limits{}).Scan(ctx, file))
	var fe *scanners.FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "took longer than 3s") {
		t.Fatalf("err %v, want a FormatError about the time bound", err)
	}
	if rules := scantest.Rules(fs); len(rules) != 1 || rules[0] != RuleBomb+":high" {
		t.Fatalf("rules %v, want one %s", rules, RuleBomb)
	}
	if got := fn.Streams(); len(got) != 1 || got[0].Size != 3*safeio.CheckEvery {
		t.Fatalf("want the first 3 MiB scanned, got %+v", got)
	}
}
