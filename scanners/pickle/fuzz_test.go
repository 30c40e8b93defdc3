package pickle

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// FuzzWalk checks that no input makes the walker panic, exceed its limits
// or report an offset outside the input.
func FuzzWalk(f *testing.F) {
	for _, seed := range [][]byte{
		asm("cos\nsystem\n(S'true'\ntR."),
		asm(proto4, sbu("os"), memoize, "0", sbu("system"), memoize, "0", "h\x00h\x01", stackGbl, ")R."),
		asm(proto2, "}q\x00(X\x01\x00\x00\x00aq\x01K\x01u."),
		asm("(dp0\nS'a'\np1\nI1\ns."),
	} {
		f.Add(seed)
	}
	f.Add(p0Load(evil))
	f.Add(p2Load(latin1Text(emb("}")+evil), "latin1"))
	f.Add(distState("scipy.stats._continuous_distns:uniform_gen", scipyTmpl("a, ", "loc=0", "loc, 1"), 3))
	f.Add(straddleBinbytes())
	td := filepath.Join("..", "..", "testdata")
	for _, b := range scantest.SeedFiles(f, 64<<10, filepath.Join(td, "models", "pickle", "*"), filepath.Join(td, "benign", "*", "*.p[0-5].pkl"),
		filepath.Join(td, "pickle2", "*", "*.pkl"), filepath.Join(td, "hostile", "sniff", "*.pkl")) {
		f.Add(b)
	}
	lim := DefaultLimits()
	lim.MaxStack, lim.MaxMemo, lim.MaxKept, lim.MaxRefs = 256, 256, 256, 64
	f.Fuzz(func(t *testing.T, b []byte) {
		res := Walk(bytes.NewReader(b), 0, lim)
		if len(res.Refs) > lim.MaxRefs || len(res.Errors) > lim.MaxErrors {
			t.Fatalf("limits exceeded: %d refs, %d errors", len(res.Refs), len(res.Errors))
		}
		for _, r := range res.Refs {
			if r.Offset < 0 || r.Offset >= int64(len(b)) {
				t.Fatalf("ref %+v outside the %d-byte input", r, len(b))
			}
		}
		for _, e := range res.Errors {
			if e.Offset < 0 || e.Offset > int64(len(b)) {
				t.Fatalf("error %v outside the %d-byte input", e, len(b))
			}
		}
		Sniff(b, true)
		Sniff(b, false)
		if Probe(bytes.NewReader(b), int64(len(b))) != Sniff(b, true) {
			t.Fatal("Probe and Sniff of the whole stream disagree")
		}
		s := New(WithLimits(lim))
		fs, err := scanners.FindingsOf(s.Scan(context.Background(), scanners.File{Path: "f", Size: int64(len(b)), R: bytes.NewReader(b)}))
		if len(res.Refs) > 0 && len(fs) == 0 && err == nil {
			allowed := func(n string) bool { c, _ := s.pol.Classify(n); return c == Allowed }
			for _, r := range res.Refs {
				settled := r.Kind == RefImport && r.Via == "" && isResolver(r.Name) && res.Settled(r.Name, allowed)
				if c, _ := s.pol.Classify(r.Name); (c != Allowed && !settled) || r.Kind != RefImport {
					t.Fatalf("ref %+v produced no finding", r)
				}
			}
		}
	})
}
