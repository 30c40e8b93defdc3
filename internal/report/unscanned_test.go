package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestTableListsUnscannedReason: an unscanned file whose scanner said why
// (a Git LFS pointer) is listed without -v; other unscanned files are not.
func TestTableListsUnscannedReason(t *testing.T) {
	t.Parallel()
	r := &scanners.Report{Files: []scanners.FileResult{
		{Path: "model.safetensors", Format: "git-lfs-pointer", Verdict: scanners.Unscanned,
			Findings: []scanners.Finding{{Rule: "LFS-POINTER", Severity: scanners.Info, Message: "content not present"}}},
		{Path: "README.md", Format: "unknown", Verdict: scanners.Unscanned},
	}}
	r.Summarize()
	var buf bytes.Buffer
	if err := WriteTable(&buf, r, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "model.safetensors") || !strings.Contains(out, "content not present") ||
		strings.Contains(out, "README.md") || !strings.Contains(out, "(1 not listed)") {
		t.Errorf("table:\n%s", out)
	}
}
