package libraries

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// manifestNames are the files the catalogers select, by index.
var manifestNames = []string{
	"package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock", "DESCRIPTION",
	"requirements.txt", "pyproject.toml", "environment.yml", "uv.lock", "poetry.lock",
	"Pipfile.lock", "pdm.lock", "setup.py", "x.dist-info/METADATA", "conda-meta/x.json",
}

// FuzzFind feeds arbitrary bytes to every cataloger aibom runs, syft's
// included, through the same resolver as generate: nothing may panic or
// hang, and a result is always returned.
func FuzzFind(f *testing.F) {
	for i, name := range manifestNames {
		if b, err := os.ReadFile(filepath.Join("testdata", "project", name)); err == nil {
			f.Add(uint8(i), b)
		}
	}
	f.Add(uint8(2), []byte("dependencies:\n  - pip:\n    - a==1\n  - b=1=x\n"))
	f.Add(uint8(3), []byte("[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [{ name = \"a\" }]\n"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		name := manifestNames[int(which)%len(manifestNames)]
		dir := t.TempDir()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		libs, _ := Find(context.Background(), []File{LocalFile(name, p)})
		for _, l := range libs {
			if l.PURL == "" || l.Name == "" {
				t.Errorf("library without a purl or a name: %+v", l)
			}
			_ = l.Component()
		}
	})
}
