package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateLFSPointers: a clone whose weights are Git LFS pointers gets
// a BOM naming the real objects, with a problem per pointer on stderr;
// --strict fails and writes nothing; scan lists each pointer as unscanned
// with the reason.
func TestGenerateLFSPointers(t *testing.T) {
	t.Parallel()
	repo := filepath.Join("..", "..", "testdata", "repos", "lora-adapter")
	bom := filepath.Join(t.TempDir(), "bom.json")
	code, _, stderr := run(t, "generate", "-o", bom, repo)
	if code != ExitOK || !strings.Contains(stderr, "adapter_model.safetensors: is a Git LFS pointer") {
		t.Fatalf("generate: exit %d, stderr %q", code, stderr)
	}
	b, err := os.ReadFile(bom)
	if err != nil || !strings.Contains(string(b), "absent: Git LFS pointer") {
		t.Errorf("BOM without the absent-content property: %v", err)
	}
	strict := filepath.Join(t.TempDir(), "strict.json")
	code, _, stderr = run(t, "generate", "--strict", "-o", strict, repo)
	if code != ExitError || !strings.Contains(stderr, "strict") {
		t.Errorf("--strict: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(strict); !os.IsNotExist(err) {
		t.Error("--strict left a BOM behind")
	}
	code, out, _ := run(t, "scan", repo)
	if code != ExitOK || !strings.Contains(out, "unscanned   git-lfs-pointer  adapter_model.safetensors") || !strings.Contains(out, "LFS-POINTER") {
		t.Errorf("scan: exit %d\n%s", code, out)
	}
}
