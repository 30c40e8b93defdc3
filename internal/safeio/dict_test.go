package safeio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestDictCap(t *testing.T) {
	t.Parallel()
	tests := []struct{ declared, out, limit, floor, want int64 }{
		{8 << 20, -1, MaxDict, 4096, 8 << 20},       // xz -6: as declared
		{64 << 20, -1, MaxDict, 4096, MaxDict},      // xz -9: capped
		{64 << 20, 1000, MaxDict, 4096, 4096},       // small output: at least the floor
		{64 << 20, 5 << 20, MaxDict, 4096, 5 << 20}, // the output bounds it
		{1<<32 - 1, -1, MaxDict, 4096, MaxDict},
	}
	for _, tt := range tests {
		if got := DictCap(tt.declared, tt.out, tt.limit, tt.floor); got != tt.want {
			t.Errorf("DictCap(%d, %d, %d, %d) = %d, want %d", tt.declared, tt.out, tt.limit, tt.floor, got, tt.want)
		}
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestDictReader: only a decoder that was given less than its stream
// declared turns a far match into ErrDictTooLarge; other errors pass.
func TestDictReader(t *testing.T) {
	t.Parallel()
	far := errReader{errors.New("writeMatch: distance out of range")}
	if _, err := DictReader(far, 64<<20, MaxDict).Read(make([]byte, 1)); !errors.Is(err, ErrDictTooLarge) ||
		!strings.Contains(err.Error(), "67108864-byte dictionary") {
		t.Fatalf("capped: err %v, want ErrDictTooLarge naming the declared size", err)
	}
	if _, err := DictReader(far, 8<<20, 8<<20).Read(make([]byte, 1)); errors.Is(err, ErrDictTooLarge) {
		t.Fatal("not capped: a corrupt stream was blamed on the dictionary")
	}
	other := errReader{io.ErrUnexpectedEOF}
	if _, err := DictReader(other, 64<<20, MaxDict).Read(make([]byte, 1)); err != io.ErrUnexpectedEOF { //nolint:errorlint // passed unchanged
		t.Fatalf("other error changed to %v", err)
	}
}

// TestWorkReaderTime: a Work's Reader checks the time bound every
// CheckEvery bytes, with an injected clock that advances a second a read.
func TestWorkReaderTime(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	clk := func() time.Time { return time.Unix(n.Add(1), 0) }
	w := NewWork(WorkLimits{MaxTime: 2 * time.Second}, WithClock(clk))
	got, err := io.Copy(io.Discard, w.Reader(bytes.NewReader(make([]byte, 10*CheckEvery))))
	// Start at 1 s, checks at 2, 3 and 4 s: the third is past 2 s.
	if !errors.Is(err, ErrWorkLimit) || got != 3*CheckEvery {
		t.Fatalf("read %d bytes, err %v: want ErrWorkLimit after 3 checks", got, err)
	}
	if err := w.Take(); !errors.Is(err, ErrWorkLimit) {
		t.Fatalf("Take after the bound: %v", err)
	}
	// Within the bound the reader passes everything and EOF.
	w = NewWork(WorkLimits{MaxTime: time.Hour})
	if got, err := io.Copy(io.Discard, w.Reader(bytes.NewReader(make([]byte, 3*CheckEvery+5)))); err != nil || got != 3*CheckEvery+5 {
		t.Fatalf("read %d, err %v", got, err)
	}
}
