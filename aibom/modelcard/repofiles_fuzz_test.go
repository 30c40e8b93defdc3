package modelcard

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRepoFiles runs every parser of repofiles.go and repoextra.go over
// the same bytes, seeded with the fixture repositories' metadata files.
func FuzzRepoFiles(f *testing.F) {
	_ = filepath.WalkDir(filepath.Join("..", "..", "testdata", "repos"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		if rc, err := ParseRepoConfig(bytes.NewReader(b), "config.json"); err == nil {
			for _, ac := range rc.AutoMap {
				if strings.Contains(ac.File(), "..") || strings.HasPrefix(ac.File(), "/") || ac.Class == "" {
					t.Fatalf("auto_map entry %+v", ac)
				}
			}
		}
		if p, err := ParsePipeline(bytes.NewReader(b), "model_index.json"); err == nil && len(p.Components) > maxListItems {
			t.Fatalf("%d components", len(p.Components))
		}
		_, _ = ParseSentenceTransformersConfig(bytes.NewReader(b), "config_sentence_transformers.json")
		_, _ = ParseModules(bytes.NewReader(b), "modules.json")
		_, _ = ParseTrainerState(bytes.NewReader(b), "trainer_state.json")
		if mf, err := ParseModelfile(bytes.NewReader(b), "Modelfile"); err == nil && mf == nil {
			t.Fatal("nil Modelfile without error")
		}
		if title, err := CardTitle(bytes.NewReader(b), "README.md"); err == nil && len(title) > maxScalarLen+8 {
			t.Fatalf("title of %d bytes", len(title))
		}
	})
}
