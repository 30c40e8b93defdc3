package pickle

import (
	"bytes"
	"context"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestPartialLimits: a partly filled Limits changes only the fields it
// sets. Limits{MaxRefs: 100} used to leave MaxErrors at zero, which dropped
// the parse error of a truncated pickle and made it clean; a zero
// MaxErrors dropped every parse error.
func TestPartialLimits(t *testing.T) {
	t.Parallel()
	inputs := map[string][]byte{
		"truncated":      []byte("\x80\x02}q\x00(X\x01\x00\x00\x00a"),
		"bad opcode":     []byte("\x80\x02}\xff"),
		"truncated call": []byte("\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85"),
	}
	for name, in := range inputs {
		f := scanners.File{Path: name, Size: int64(len(in)), R: bytes.NewReader(in)}
		want, werr := New().Scan(context.Background(), f)
		wantV := scanners.VerdictOf(want.Findings, werr)
		if wantV < scanners.Invalid {
			t.Fatalf("%s: %v with the default limits, want invalid or worse", name, wantV)
		}
		for _, lim := range []Limits{{MaxRefs: 100}, {MaxErrors: 0, MaxStack: 64}, {}} {
			got, err := New(WithLimits(lim)).Scan(context.Background(), f)
			if v := scanners.VerdictOf(got.Findings, err); v != wantV || (err == nil) != (werr == nil) {
				t.Errorf("%s with %+v: %v (err %v), want %v (err %v)", name, lim, v, err, wantV, werr)
			}
		}
	}
	if d := (Limits{MaxRefs: 100}).withDefaults(); d.MaxRefs != 100 || d.MaxErrors != DefaultLimits().MaxErrors || d.MaxStack != DefaultLimits().MaxStack {
		t.Errorf("withDefaults %+v", d)
	}
}
