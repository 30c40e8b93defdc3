package aibom

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners/lfs"
)

var fixtureRepos = []string{"encoder-qa", "moe-chat", "sentence-embed", "stable-diffusion", "ddpm-cifar",
	"lora-adapter", "gguf-ollama", "remote-code"}

// TestLFSPointers: a clone without `git lfs pull` holds pointers in place
// of the weights. Each weight component names the real object (its
// SHA-256 and size from the pointer), says the content is absent, keeps
// the role "weights", and is a problem (so --strict fails); sub-models
// are still found.
func TestLFSPointers(t *testing.T) {
	t.Parallel()
	for _, name := range fixtureRepos {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := generateRepo(t, name, false)
			dir := filepath.Join("..", "testdata", "repos", name) // the copy's folder may be gone
			npointers := 0
			for _, f := range res.Files {
				b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
				if err != nil {
					t.Fatal(err)
				}
				p, err := lfs.Parse(b)
				if err != nil {
					continue
				}
				npointers++
				c := component(t, res.BOM, fileRef(f.Path))
				pr := props(c)
				if c.Hashes == nil || (*c.Hashes)[0].Value != p.OID || pr[propFileSize] != fmt.Sprint(p.Size) {
					t.Errorf("%s: hashes %v size %s, want the object's %s, %d", f.Path, c.Hashes, pr[propFileSize], p.OID, p.Size)
				}
				if pr[propFileContent] != contentLFSAbsent || pr[propPointerSHA256] != f.SHA256 || pr[propScanVerdict] != "unscanned" {
					t.Errorf("%s: properties %v", f.Path, pr)
				}
				if pr[propFileRole] != "weights" {
					t.Errorf("%s: role %s, want weights", f.Path, pr[propFileRole])
				}
				if !slices.ContainsFunc(res.Problems, func(pb source.Problem) bool {
					return pb.Path == f.Path && strings.Contains(pb.Err.Error(), "Git LFS pointer")
				}) {
					t.Errorf("%s: no problem reported (--strict would pass)", f.Path)
				}
			}
			if npointers == 0 && name != "gguf-ollama" {
				t.Error("no pointers in the fixture")
			}
		})
	}
}
