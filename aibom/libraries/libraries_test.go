package libraries

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// walk lists dir the way aibom/source does: paths relative to dir.
func walk(t testing.TB, dir string) []File {
	t.Helper()
	var files []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, LocalFile(filepath.ToSlash(rel), p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func byPURL(libs []Library) map[string]Library {
	m := map[string]Library{}
	for _, l := range libs {
		m[l.PURL] = l
	}
	return m
}

func TestFind(t *testing.T) {
	libs, probs := Find(context.Background(), walk(t, "testdata/project"))
	if len(probs) != 0 {
		t.Errorf("problems: %v", probs)
	}
	got := byPURL(libs)
	want := []struct {
		purl, version, constraint, manifest, cataloger string
	}{
		// requirements.txt, by syft: pins, a range, a bare name, markers and extras.
		{"pkg:pypi/torch@2.5.1", "2.5.1", "", "requirements.txt", "python-package-cataloger"},
		{"pkg:pypi/transformers", "", ">=4.44,<5", "requirements.txt", "python-package-cataloger"},
		{"pkg:pypi/safetensors", "", "", "requirements.txt", "python-package-cataloger"},
		{"pkg:pypi/numpy@1.26.4", "1.26.4", "", "requirements.txt", "python-package-cataloger"},
		{"pkg:pypi/accelerate@1.0.1", "1.0.1", "", "requirements.txt", "python-package-cataloger"},
		// pyproject.toml: PEP 621, optional dependencies, PEP 735 groups, Poetry.
		{"pkg:pypi/tokenizers@0.20.3", "0.20.3", "", "pyproject.toml", pyprojectCataloger},
		{"pkg:pypi/huggingface-hub", "", ">=0.25", "pyproject.toml", pyprojectCataloger},
		{"pkg:pypi/sentencepiece", "", ">=0.2.0", "pyproject.toml", pyprojectCataloger},
		{"pkg:pypi/peft", "", "", "pyproject.toml", pyprojectCataloger},
		{"pkg:pypi/evaluate@0.4.3", "0.4.3", "", "pyproject.toml", pyprojectCataloger},
		{"pkg:pypi/pytest", "", ">=8", "pyproject.toml", pyprojectCataloger},
		{"pkg:pypi/ruff@0.7.1", "0.7.1", "", "pyproject.toml", pyprojectCataloger},
		{"pkg:pypi/scipy@1.14.1", "1.14.1", "", "pyproject.toml", pyprojectCataloger},
		{"pkg:pypi/einops", "", "^0.8", "pyproject.toml", pyprojectCataloger},
		// environment.yml: an export pin, a channel, a prefix, a range, pip.
		{"pkg:conda/python@3.11.10", "3.11.10", "", "env/environment.yml", condaEnvCataloger},
		{"pkg:conda/pytorch@2.4.1", "2.4.1", "", "env/environment.yml", condaEnvCataloger},
		{"pkg:conda/cudatoolkit", "", "=11.8", "env/environment.yml", condaEnvCataloger},
		{"pkg:conda/mkl", "", ">=2023", "env/environment.yml", condaEnvCataloger},
		{"pkg:conda/pip", "", "", "env/environment.yml", condaEnvCataloger},
		{"pkg:pypi/vllm@0.6.3", "0.6.3", "", "env/environment.yml", condaEnvCataloger},
		{"pkg:pypi/bitsandbytes", "", ">=0.44", "env/environment.yml", condaEnvCataloger},
		// installed packages and conda-meta, by syft, with licenses.
		{"pkg:pypi/safetensors@0.4.5", "0.4.5", "", "venv/lib/python3.11/site-packages/safetensors-0.4.5.dist-info/METADATA", "python-installed-package-cataloger"},
		{"pkg:conda/openssl@3.3.2", "3.3.2", "", "conda/conda-meta/openssl-3.3.2-hb9d3cd8_0.json", "conda-meta-cataloger"},
		// uv.lock, by syft.
		{"pkg:pypi/filelock@3.16.1", "3.16.1", "", "uvproj/uv.lock", "python-package-cataloger"},
		// Serving code beside the model: npm, Cargo and R, by syft.
		{"pkg:npm/%40huggingface/transformers@3.0.2", "3.0.2", "", "webapp/package-lock.json", "javascript-lock-cataloger"},
		{"pkg:npm/onnxruntime-web@1.20.0", "1.20.0", "", "webapp/package-lock.json", "javascript-lock-cataloger"},
		{"pkg:npm/demo-webapp@0.3.0", "0.3.0", "", "webapp/package.json", "javascript-package-cataloger"},
		{"pkg:cargo/candle-core@0.8.0", "0.8.0", "", "candle/Cargo.lock", "rust-cargo-lock-cataloger"},
		{"pkg:cargo/half@2.4.1", "2.4.1", "", "candle/Cargo.lock", "rust-cargo-lock-cataloger"},
		{"pkg:cran/jsonlite@1.8.9", "1.8.9", "", "rlib/jsonlite/DESCRIPTION", "r-package-cataloger"},
	}
	for _, w := range want {
		l, ok := got[w.purl]
		if !ok {
			t.Errorf("%s: not found", w.purl)
			continue
		}
		if l.Version != w.version || l.Constraint != w.constraint {
			t.Errorf("%s: version %q constraint %q, want %q %q", w.purl, l.Version, l.Constraint, w.version, w.constraint)
		}
		if !slices.Contains(l.Manifests, w.manifest) || !slices.Contains(l.Catalogers, w.cataloger) {
			t.Errorf("%s: manifests %v catalogers %v, want %s by %s", w.purl, l.Manifests, l.Catalogers, w.manifest, w.cataloger)
		}
	}
	if n := len(libs); n != len(want)+1 { // + the uv project itself
		t.Errorf("%d libraries, want %d", n, len(want)+1)
	}
	// The same pin in requirements.txt and uv.lock is one library, with
	// the lock file's dependency edge.
	torch := got["pkg:pypi/torch@2.5.1"]
	if !slices.Contains(torch.Manifests, "uvproj/uv.lock") || !slices.Contains(torch.DependsOn, "library:pkg:pypi/filelock@3.16.1") {
		t.Errorf("torch: %+v", torch)
	}
	if l := got["pkg:pypi/safetensors@0.4.5"].Licenses; len(l) != 1 || l[0] != "Apache-2.0" {
		t.Errorf("safetensors licenses %v", l)
	}
	if d := got["pkg:cargo/candle-core@0.8.0"].DependsOn; len(d) != 1 || d[0] != "library:pkg:cargo/half@2.4.1" {
		t.Errorf("candle-core depends on %v", d)
	}
	if e := got["pkg:npm/onnxruntime-web@1.20.0"].Ecosystem; e != "npm" {
		t.Errorf("ecosystem %q", e)
	}
	// Pip options and editable installs are not packages.
	for p := range got {
		if strings.Contains(p, "extra-index") || strings.Contains(p, "local-package") {
			t.Errorf("unexpected %s", p)
		}
	}
}

func TestFindBroken(t *testing.T) {
	libs, probs := Find(context.Background(), walk(t, "testdata/broken"))
	got := byPURL(libs)
	// What can be read still counts.
	for _, p := range []string{"pkg:pypi/torch@2.5.1", "pkg:conda/numpy"} {
		if _, ok := got[p]; !ok {
			t.Errorf("%s missing; got %v", p, libs)
		}
	}
	// Each bad file is named, with what was wrong.
	want := map[string]string{
		"pyproject.toml":   "line",
		"environment.yml":  "line 3",
		"requirements.txt": "this is not a requirement",
	}
	for path, frag := range want {
		found := false
		for _, p := range probs {
			if p.Path == path && strings.Contains(p.Err.Error(), frag) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem for %s mentioning %q; got %v", path, frag, probs)
		}
	}
}

// A weight file named like a manifest is never read: the resolver refuses
// anything over maxManifest, and the refusal is reported.
func TestFindRefusesHugeFiles(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "requirements.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxManifest + 1); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	libs, probs := Find(context.Background(), walk(t, dir))
	if len(libs) != 0 {
		t.Errorf("libraries from a huge file: %v", libs)
	}
	if len(probs) != 1 || probs[0].Path != "requirements.txt" || !strings.Contains(probs[0].Err.Error(), "too large") {
		t.Errorf("problems %v", probs)
	}
}

func TestFindCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, probs := Find(ctx, walk(t, "testdata/project"))
	if len(probs) == 0 {
		t.Fatal("a cancelled run reported no problem")
	}
}

func TestParsePEP508(t *testing.T) {
	for in, want := range map[string][2]string{
		"torch":                                  {"torch", ""},
		"torch==2.1":                             {"torch", "==2.1"},
		"torch >= 2.1, < 3":                      {"torch", ">=2.1,<3"},
		"accelerate[torch]~=1.0":                 {"accelerate", "~=1.0"},
		"numpy (>=1.26) ; python_version<'3.13'": {"numpy", ">=1.26"},
		"peft @ git+https://x/peft":              {"peft", ""},
		"zope.interface===6.0":                   {"zope.interface", "===6.0"},
	} {
		name, c, ok := parsePEP508(in)
		if !ok || name != want[0] || c != want[1] {
			t.Errorf("parsePEP508(%q) = %q %q %v, want %q %q", in, name, c, ok, want[0], want[1])
		}
	}
	for _, bad := range []string{"", "this is not", "-e .", "[x]"} {
		if _, _, ok := parsePEP508(bad); ok {
			t.Errorf("parsePEP508(%q) accepted", bad)
		}
	}
}

func TestParseCondaSpec(t *testing.T) {
	for in, want := range map[string][2]string{
		"numpy":                          {"numpy", ""},
		"numpy=1.26.4=py311h64a7726_0":   {"numpy", "==1.26.4"},
		"numpy==1.26.4":                  {"numpy", "==1.26.4"},
		"numpy=1.26":                     {"numpy", "=1.26"},
		"numpy>=1.26,<2":                 {"numpy", ">=1.26,<2"},
		"conda-forge::numpy=1.26.4=h0_0": {"numpy", "==1.26.4"},
		"numpy 1.26.4 py311_0":           {"numpy", "==1.26.4"},
	} {
		name, c, ok := parseCondaSpec(in)
		if !ok || name != want[0] || c != want[1] {
			t.Errorf("parseCondaSpec(%q) = %q %q %v, want %q %q", in, name, c, ok, want[0], want[1])
		}
	}
}

func TestComponent(t *testing.T) {
	l := Library{Name: "torch", Version: "2.5.1", PURL: "pkg:pypi/torch@2.5.1", Ecosystem: "pypi",
		Licenses: []string{"BSD-3-Clause"}, Manifests: []string{"requirements.txt"}, Catalogers: []string{"python-package-cataloger"}}
	c := l.Component()
	if c.Type != cdx.ComponentTypeLibrary || c.BOMRef != "library:pkg:pypi/torch@2.5.1" || c.PackageURL != l.PURL {
		t.Errorf("component %+v", c)
	}
	if c.Licenses == nil || (*c.Licenses)[0].License.ID != "BSD-3-Clause" {
		t.Errorf("licenses %+v", c.Licenses)
	}
	// Unknown ids become names; a lone expression stays an expression.
	if got := licenses([]string{"Llama-3-Community"}); got[0].License == nil || got[0].License.Name == "" {
		t.Errorf("named license %+v", got)
	}
	if got := licenses([]string{"MIT OR Apache-2.0"}); got[0].Expression != "MIT OR Apache-2.0" {
		t.Errorf("expression %+v", got)
	}
	if got := licenses([]string{"MIT OR Apache-2.0", "BSD-3-Clause"}); got[0].Expression != "" || got[1].License.ID != "BSD-3-Clause" {
		t.Errorf("mixed %+v", got)
	}
	b, _ := json.Marshal(c)
	if !strings.Contains(string(b), `"aibom:library:manifest"`) {
		t.Errorf("no manifest property: %s", b)
	}
}

func TestNormalize(t *testing.T) {
	if got := normalize("pypi", "Foo__Bar.baz"); got != "foo-bar-baz" {
		t.Errorf("normalize %q", got)
	}
	if got := purl("pypi", "Hugging_Face.Hub", "1.0+cu121"); got != "pkg:pypi/hugging-face-hub@1.0+cu121" {
		t.Errorf("purl %q", got)
	}
}

// A manifest that names no package (matplotlib ships a package.json of
// its web assets with no name) gives no library, not "pkg:npm/".
func TestFindSkipsNamelessPackages(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"private": true, "devDependencies": {"eslint": "^8"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	libs, _ := Find(context.Background(), walk(t, dir))
	for _, l := range libs {
		if l.Name == "" || l.PURL == "pkg:npm/" {
			t.Errorf("nameless library %+v", l)
		}
	}
}
