package keras_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/keras"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
)

// TestFixtures scans testdata/models/keras with the keras scanner in front
// of the default scanners and checks expected.json, as the repository-wide
// fixture test does once the scanner is registered.
func TestFixtures(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "testdata", "models")
	want := scantest.ReadExpected(t, filepath.Join(root, "keras", "expected.json"))
	list := append([]scanners.Scanner{keras.New()}, runner.Default()...)
	rep, err := runner.New(runner.WithScanners(list...)).Scan(context.Background(), filepath.Join(root, "keras"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != len(want) {
		t.Errorf("%d files scanned, %d expected", len(rep.Files), len(want))
	}
	for _, r := range rep.Files {
		w, ok := want["keras/"+r.Path]
		if !ok {
			t.Errorf("%s: not in expected.json", r.Path)
			continue
		}
		if r.Verdict.String() != w.Verdict || r.Format != w.Format {
			t.Errorf("%s: %s/%s, want %s/%s; findings %+v errors %v", r.Path, r.Verdict, r.Format, w.Verdict, w.Format, r.Findings, r.Errors)
		}
		for _, g := range w.Globals {
			found := false
			for _, f := range r.Findings {
				found = found || strings.Contains(f.Global, g) || strings.Contains(f.Message, g)
			}
			if !found {
				t.Errorf("%s: %q not reported: %+v", r.Path, g, r.Findings)
			}
		}
	}
}
