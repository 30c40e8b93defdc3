package tar

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestWorkEntries: the members of a tar count against the work budget of
// the top-level file; past it the scan stops with a TAR-BOMB finding and
// an error (invalid, never clean).
func TestWorkEntries(t *testing.T) {
	t.Parallel()
	b := buildTar([]entry{{name: "a", data: pickle}, {name: "b", data: pickle}, {name: "c", data: pickle}})
	fn := &scantest.Nester{}
	f := scanners.File{Path: "x.tar", Size: int64(len(b)), R: bytes.NewReader(b), Nested: fn}
	s := New(Limits{Work: safeio.WorkLimits{MaxEntries: 2}})
	fs, err := scanners.FindingsOf(s.Scan(context.Background(), f))
	var fe *scanners.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("no FormatError: %v", err)
	}
	if rules := scantest.Rules(fs); len(rules) != 1 || rules[0] != RuleBomb+":high" {
		t.Fatalf("rules %v, want one %s", rules, RuleBomb)
	}
	if got := fn.Members(); len(got) != 2 {
		t.Fatalf("members scanned %v, want the first two", got)
	}
}

// TestWorkShared: a tar nested in another archive uses the outer budget,
// and only the first archive to hit a bound reports the finding.
func TestWorkShared(t *testing.T) {
	t.Parallel()
	b := buildTar([]entry{{name: "a", data: pickle}, {name: "b", data: pickle}})
	ctx, w := safeio.WithWork(context.Background(), safeio.WorkLimits{MaxEntries: 1})
	_ = w.Take() // the outer archive's own member
	w.FirstHit() // the outer archive reported the bound
	f := scanners.File{Path: "x.tar", Size: int64(len(b)), R: bytes.NewReader(b), Nested: &scantest.Nester{}}
	fs, err := scanners.FindingsOf(New(Limits{}).Scan(ctx, f))
	if err == nil || len(fs) != 0 {
		t.Fatalf("findings %v err %v: want the error only", fs, err)
	}
}
