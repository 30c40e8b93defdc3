package runner

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestPolyglotPickle: a file that another scanner parses but whose bytes
// from offset 0 are also a pickle is walked as a pickle too (issue 9 §1):
// it keeps its format and gets the pickle's findings, so the worse verdict
// wins. A legacy PyTorch file, already walked as pickles from byte 0 by its
// scanner, and a zip with a pickle prepended (walked as <prepended>) get no
// duplicate findings.
func TestPolyglotPickle(t *testing.T) {
	t.Parallel()
	r := New(WithoutHash())
	hostile := filepath.Join("..", "..", "testdata", "hostile")
	for name, format := range map[string]string{
		"polyglot/tar_pickle.tar":                 "tar",
		"polyglot/safetensors_pickle.safetensors": "safetensors",
		"polyglot/onnx_pickle.onnx":               "onnx",
		"polyglot/keras_userblock.h5":             "keras",
	} {
		res := scanFile(t, r, filepath.Join(hostile, filepath.FromSlash(name)))
		if res.Verdict != scanners.Malicious || res.Format != format {
			t.Errorf("%s: %s/%s, want malicious/%s; %s", name, res.Verdict, res.Format, format, describe(res.Findings))
		}
		if !reported(res.Findings, "os.system") || !hasRule(res.Findings, RulePolyglot) {
			t.Errorf("%s: os.system or %s not reported: %s", name, RulePolyglot, describe(res.Findings))
		}
	}
	models := filepath.Join("..", "..", "testdata", "models")
	legacy := scanFile(t, r, filepath.Join(models, "pytorch", "legacy.pt"))
	if legacy.Verdict != scanners.Clean || len(legacy.Findings) != 0 {
		t.Errorf("legacy.pt: %s, %s", legacy.Verdict, describe(legacy.Findings))
	}
	pre := scanFile(t, r, filepath.Join(hostile, "sniff", "prepended.pt"))
	n := 0
	for _, f := range pre.Findings {
		if f.Global == "os.system" {
			n++
		}
	}
	if n != 1 || hasRule(pre.Findings, RulePolyglot) {
		t.Errorf("prepended.pt: %d os.system findings, want 1 (no duplicate of <prepended>): %s", n, describe(pre.Findings))
	}
}

func scanFile(t *testing.T, r *Runner, path string) scanners.FileResult {
	t.Helper()
	rep, err := r.Scan(context.Background(), path)
	if err != nil || len(rep.Files) != 1 {
		t.Fatalf("%s: %v %v", path, err, rep)
	}
	return rep.Files[0]
}

func hasRule(fs []scanners.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}
