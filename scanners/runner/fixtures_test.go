package runner

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestFixtures scans every committed fixture (real torch.save, joblib,
// numpy outputs, their malicious twins and one file per public scanner
// bypass) and checks the verdict, the format and the callables reported.
func TestFixtures(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "testdata", "models")
	want := map[string]scantest.Expectation{}
	// testdata/models/expected.json, and one per format folder written by
	// that format's generator (testdata/models/<format>/expected.json);
	// paths are relative to testdata/models in all of them.
	lists, _ := filepath.Glob(filepath.Join(root, "*", "expected.json"))
	for _, list := range append([]string{filepath.Join(root, "expected.json")}, lists...) {
		for p, e := range scantest.ReadExpected(t, list) {
			if _, dup := want[p]; dup {
				t.Errorf("%s: %s listed twice", list, p)
			}
			want[p] = e
		}
	}
	rep, err := New().Scan(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	got := byPath(rep)
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		w := want[p]
		r, ok := got[p]
		if !ok {
			t.Errorf("%s: not scanned", p)
			continue
		}
		if r.Verdict.String() != w.Verdict || r.Format != w.Format {
			t.Errorf("%s: %s/%s, want %s/%s (%s)\n  findings: %s\n  errors: %v", p, r.Verdict, r.Format,
				w.Verdict, w.Format, w.Why, describe(r.Findings), r.Errors)
		}
		for _, g := range append(w.Globals, w.Derived...) {
			if !reported(r.Findings, g) {
				t.Errorf("%s: %s not reported; findings: %s", p, g, describe(r.Findings))
			}
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok && !strings.HasPrefix(p, "fuzz") {
			t.Errorf("%s: scanned but not in expected.json", p)
		}
	}
}

func reported(fs []scanners.Finding, global string) bool {
	for _, f := range fs {
		if f.Global == global || strings.Contains(f.Message, global) {
			return true
		}
	}
	return false
}

func describe(fs []scanners.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Severity.String() + " " + f.Rule + " " + f.Global + " @" + f.Member + "; ")
	}
	return b.String()
}
