package python

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func scanFile(t *testing.T, path string) (scanners.Result, error) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := scanners.File{Path: filepath.Base(path), Size: int64(len(b)), R: strings.NewReader(string(b))}
	return New().Scan(context.Background(), f)
}

func verdictOf(t *testing.T, path string) (scanners.Verdict, []scanners.Finding) {
	t.Helper()
	res, err := scanFile(t, path)
	return scanners.VerdictOf(res.Findings, err), res.Findings
}

func describe(fs []scanners.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n  " + f.Severity.String() + " " + f.Rule + " " + f.Global + ": " + f.Message)
	}
	return b.String()
}

// TestFixtures scans testdata/<verdict>/*.py: each file must get the
// verdict of its folder.
func TestFixtures(t *testing.T) {
	t.Parallel()
	for _, want := range []scanners.Verdict{scanners.Clean, scanners.Suspicious, scanners.Malicious} {
		dir := map[scanners.Verdict]string{scanners.Clean: "benign", scanners.Suspicious: "suspicious", scanners.Malicious: "malicious"}[want]
		paths, _ := filepath.Glob(filepath.Join("testdata", dir, "*.py"))
		if len(paths) < 4 {
			t.Fatalf("%s: only %d fixtures", dir, len(paths))
		}
		for _, p := range paths {
			t.Run(dir+"/"+filepath.Base(p), func(t *testing.T) {
				t.Parallel()
				got, fs := verdictOf(t, p)
				if got != want {
					t.Errorf("%s: %s, want %s%s", p, got, want, describe(fs))
				}
			})
		}
	}
}
