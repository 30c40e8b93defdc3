package lfs_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/lfs"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
)

// TestPointerNeverClean: `aibom scan` reports a pointer as unscanned, with
// the reason, whatever its name.
func TestPointerNeverClean(t *testing.T) {
	t.Parallel()
	rep, err := runner.New().Scan(context.Background(), filepath.Join("testdata", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 {
		t.Fatalf("%d results", len(rep.Files))
	}
	r := rep.Files[0]
	if r.Verdict != scanners.Unscanned || r.Format != "git-lfs-pointer" || len(r.Findings) != 1 || r.Findings[0].Rule != lfs.RulePointer {
		t.Errorf("pointer: verdict %s, format %s, findings %+v", r.Verdict, r.Format, r.Findings)
	}
	if runner.KindOf(r.Format) != scanners.Pointer {
		t.Errorf("kind %q", runner.KindOf(r.Format))
	}
}
