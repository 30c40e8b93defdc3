package compress

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestWorkBytes: decompressed bytes count against the work budget of the
// top-level file; past it decompression stops with a COMPRESS-BOMB finding
// and an error (invalid, never clean), and what came out is scanned.
func TestWorkBytes(t *testing.T) {
	t.Parallel()
	_, fn, fs, err := scanBytes(t, gz(make([]byte, 1<<20), ""), Limits{Work: safeio.WorkLimits{MaxBytes: 64 << 10}})
	var fe *scanners.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("no FormatError: %v", err)
	}
	if rules := scantest.Rules(fs); len(rules) != 1 || rules[0] != RuleBomb+":high" {
		t.Fatalf("rules %v, want one %s", rules, RuleBomb)
	}
	if got := fn.Streams(); len(got) != 1 || got[0].Size != 64<<10 {
		t.Fatalf("want the first 64 KiB scanned, got %+v", got)
	}
}

// TestDedupeNested: a nested stream whose compressed bytes were already
// decompressed in the same file at a cost past safeio.DedupeFloor is
// counted, not decompressed again (a tar of 20 names for one 1 GiB .gz).
func TestDedupeNested(t *testing.T) {
	t.Parallel()
	b := gz(make([]byte, 2<<20), "")
	ctx, w := safeio.WithWork(context.Background(), safeio.WorkLimits{})
	fn := &scantest.Nester{}
	for range 3 {
		f := scanners.File{Path: "x", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn, Depth: 1}
		if _, err := scanners.FindingsOf(New(Gzip, Limits{}).Scan(ctx, f)); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(fn.Streams()); got != 1 {
		t.Fatalf("decompressed %d times, want once", got)
	}
	if got := w.Total(); got != 3*(2<<20) {
		t.Fatalf("work counted %d, want 3 x 2 MiB", got)
	}
}
