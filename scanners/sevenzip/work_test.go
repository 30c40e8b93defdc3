package sevenzip

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestWorkBounds: the members of a 7z take entries and decompressed bytes
// from the work budget of the top-level file; past a bound the scan stops
// with a 7Z-BOMB finding and an error (invalid, never clean).
func TestWorkBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		work    safeio.WorkLimits
		members int
	}{
		{"entries", "nonsolid.7z", safeio.WorkLimits{MaxEntries: 1}, 1},
		{"bytes", "zeros.7z", safeio.WorkLimits{MaxBytes: 1 << 20}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := readFile(t, tt.file)
			rules, fn, err := scan7z(t, b, Limits{Work: tt.work}, 0)
			var fe *scanners.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("no FormatError: %v", err)
			}
			if len(rules) != 1 || rules[0] != RuleBomb+":high" {
				t.Fatalf("rules %v, want one %s", rules, RuleBomb)
			}
			if got := fn.Members(); len(got) != tt.members {
				t.Fatalf("members scanned %v", got)
			}
			if tt.name == "bytes" && fn.Streams()[0].Size != 1<<20 {
				t.Fatalf("scanned %d bytes, want the 1 MiB the budget allowed", fn.Streams()[0].Size)
			}
		})
	}
}

// TestDedupeNested: a member whose content was already scanned in the same
// file at a cost past safeio.DedupeFloor is counted, not scanned again.
func TestDedupeNested(t *testing.T) {
	t.Parallel()
	b := readFile(t, "nonsolid.7z")
	ctx, w := safeio.WithWork(context.Background(), safeio.WorkLimits{})
	f := scanners.File{Path: "x.7z", Size: int64(len(b)), R: bytes.NewReader(b), Nested: &scantest.Nester{FullBelow: scantest.NoLimit}}
	z, err := Open(f.R, f.Size, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var payload []byte
	for _, file := range z.File {
		if file.Name == "payload.pkl" {
			rc, _ := file.Open()
			payload, _ = safeio.ReadAll(rc, 1<<20)
			_ = rc.Close()
		}
	}
	if len(payload) != 144 {
		t.Fatalf("payload.pkl: %d bytes", len(payload))
	}
	key, _ := safeio.ContentOf(bytes.NewReader(payload), int64(len(payload)), "7z-member")
	w.Done(key, safeio.DedupeFloor)
	fn := f.Nested.(*scantest.Nester)
	if _, err := scanners.FindingsOf(New(Limits{}).Scan(ctx, f)); err != nil {
		t.Fatal(err)
	}
	if got := fn.Members(); len(got) != 1 || got[0] != "weights.bin" {
		t.Fatalf("scanned %v: want weights.bin only, both copies of the costly payload.pkl skipped", got)
	}
	if w.Total() < 2*safeio.DedupeFloor {
		t.Fatalf("skipped content not counted: %d", w.Total())
	}
}
