package sevenzip

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

// TestDictTooLarge: far.7z and near.7z (scanners/compress/testdata/
// gen_dict.py, 7z -mx9) hold an os.system pickle in an LZMA2 folder that
// declares a 24 MiB dictionary. far.7z refers back 17 MiB, past
// safeio.MaxDict, to reach the call: decoded with 16 MiB it fails there
// and is invalid with a 7Z-DICT-TOO-LARGE finding, never clean. near.7z
// never refers back that far: it is decoded in full and malicious.
func TestDictTooLarge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want scanners.Verdict
		rule bool
	}{
		{"far.7z", scanners.Invalid, true},
		{"near.7z", scanners.Malicious, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			b := readFile(t, tt.file)
			fn := &scantest.Nester{FullBelow: scantest.NoLimit, Next: pickle.New()}
			f := scanners.File{Path: tt.file, Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
			fs, err := scanners.FindingsOf(New(Limits{}).Scan(context.Background(), f))
			if got := scanners.VerdictOf(fs, err); got != tt.want {
				t.Fatalf("verdict %v, want %v (findings %v, err %v)", got, tt.want, fs, err)
			}
			found := false
			for _, fd := range fs {
				found = found || fd.Rule == RuleDictTooLarge
			}
			if found != tt.rule {
				t.Fatalf("%s finding: %v, want %v (findings %v)", RuleDictTooLarge, found, tt.rule, fs)
			}
		})
	}
}

// TestWorkTimeInMember: the time bound holds inside one member. The clock
// advances one second per reading (the Work's start, the member's Take,
// then one check per MiB); with a bound of 3 s the 4 MiB of zeros.7z stop
// after 3 MiB with a 7Z-BOMB finding and an error.
func TestWorkTimeInMember(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	clk := func() time.Time { return time.Unix(n.Add(1), 0) }
	w := safeio.NewWork(safeio.WorkLimits{MaxTime: 3 * time.Second}, safeio.WithClock(clk))
	b := readFile(t, "zeros.7z")
	fn := &scantest.Nester{FullBelow: scantest.NoLimit}
	f := scanners.File{Path: "zeros.7z", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	fs, err := scanners.FindingsOf(New(Limits{}).Scan(safeio.ContextWithWork(context.Background(), w), f))
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
