package zip

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// zerosZip has three deflated members with the same 2 MiB of zeros.
func zerosZip() []byte {
	z := make([]byte, 2<<20)
	return buildZip([]member{
		{name: "a.bin", data: z, method: Deflate},
		{name: "b.bin", data: z, method: Deflate},
		{name: "c.bin", data: z, method: Deflate},
	}, layout{})
}

// TestWorkDedupe: members whose compressed bytes are the same decode to
// the same content, which is decompressed and scanned once per top-level
// file (issue 9: 1000 overlapping entries decompressed the same 1 GiB
// 1000 times).
func TestWorkDedupe(t *testing.T) {
	t.Parallel()
	b := zerosZip()
	fn := &scantest.Nester{}
	f := scanners.File{Path: "z.zip", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	a, err := Open(f.R, f.Size, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ScanArchive(context.Background(), f, a, ScanOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := fn.Streams(); len(got) != 1 || got[0].Member != "a.bin" {
		t.Fatalf("scanned %d streams, want a.bin once: %+v", len(got), got)
	}
}

// TestWorkBound: the work of a top-level file is bounded, counting the
// duplicates it skipped; reaching the bound is a ZIP-BOMB finding and an
// error (invalid), never clean.
func TestWorkBound(t *testing.T) {
	t.Parallel()
	b := zerosZip()
	fn := &scantest.Nester{}
	f := scanners.File{Path: "z.zip", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	a, err := Open(f.R, f.Size, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	fs, err := ScanArchive(context.Background(), f, a, ScanOptions{MaxWorkBytes: 3 << 20})
	var fe *scanners.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("no FormatError: %v", err)
	}
	found := false
	for _, fd := range fs {
		found = found || fd.Rule == RuleBomb
	}
	if !found {
		t.Fatalf("no %s finding: %+v", RuleBomb, fs)
	}
	// The bound also caps a single member: 1 MiB of budget, 2 MiB member.
	a, _ = Open(f.R, f.Size, DefaultLimits())
	fs, err = ScanArchive(context.Background(), f, a, ScanOptions{MaxWorkBytes: 1 << 20})
	if err == nil || len(fs) == 0 || fs[0].Rule != RuleBomb {
		t.Fatalf("budget below one member: findings %+v err %v", fs, err)
	}
}
