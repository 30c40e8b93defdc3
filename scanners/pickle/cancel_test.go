package pickle

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestScanStopsWhenCancelled: a long walk (NONE then millions of DUP
// opcodes, the shape of the DUP bomb) stops once its context is done and
// says so with an error, instead of running on or reporting a verdict.
func TestScanStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	b := append([]byte("\x80\x02N"), bytes.Repeat([]byte("2"), 64<<20)...)
	b = append(b, '.')
	f := scanners.File{Path: "dup.pkl", Size: int64(len(b)), R: bytes.NewReader(b)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cr := &countingReaderAt{b: b} // hostile_test.go
	f.R = cr
	if _, err := New().Scan(ctx, f); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if cr.n > 0 {
		t.Errorf("a cancelled scan read %d bytes", cr.n)
	}
	// Not cancelled: the same stream walks to the end.
	f.R = bytes.NewReader(b)
	if _, err := New().Scan(context.Background(), f); errors.Is(err, context.Canceled) {
		t.Fatal("an uncancelled scan reported cancellation")
	}
}
