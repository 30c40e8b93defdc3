package kitfile

import (
	"strings"
	"testing"
)

const example = `manifestVersion: 1.0.0
package:
  name: sentiment-model
  version: 1.2.0
  description: Fine-tuned sentiment classifier
  license: Apache-2.0
  authors: [ML Team, Jane Doe]
model:
  name: sentiment-classifier
  path: ./model/weights.safetensors
  framework: pytorch
  format: safetensors
  license: Apache-2.0
  parts:
    - name: lora
      path: model/adapter
      type: lora-adapter
  parameters:
    epochs: 3
datasets:
  - name: reviews
    path: ./data/
    description: Product reviews
    license: CC-BY-4.0
code:
  - path: src
    description: training code
docs:
  - path: ./README.md
prompts:
  - path: prompts/system.txt
`

func TestParse(t *testing.T) {
	kf, err := Parse(strings.NewReader(example), "Kitfile")
	if err != nil {
		t.Fatal(err)
	}
	if kf.Package.Name != "sentiment-model" || kf.Package.Version != "1.2.0" || len(kf.Package.Authors) != 2 {
		t.Errorf("package %+v", kf.Package)
	}
	if kf.Model == nil || kf.Model.Path != "model/weights.safetensors" || kf.Model.Parts[0].Path != "model/adapter" ||
		kf.Model.Parts[0].Type != "lora-adapter" || kf.Model.Format != "safetensors" {
		t.Errorf("model %+v", kf.Model)
	}
	if len(kf.Datasets) != 1 || kf.Datasets[0].Path != "data" || kf.Datasets[0].License != "CC-BY-4.0" {
		t.Errorf("datasets %+v", kf.Datasets)
	}
	if kf.Code[0].Path != "src" || kf.Docs[0].Path != "README.md" {
		t.Errorf("code %+v docs %+v", kf.Code, kf.Docs)
	}
}

func TestParseErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"yaml":     "manifestVersion: 1.0.0\npackage: [unclosed\n",
		"empty":    "",
		"no kit":   "name: x\n",
		"escape":   "manifestVersion: 1.0.0\ndatasets:\n  - path: ../../etc\n",
		"absolute": "manifestVersion: 1.0.0\nmodel:\n  path: /etc/passwd\n",
		"remote":   "manifestVersion: 1.0.0\ndatasets:\n  - path: s3://bucket/x\n",
		"too big":  "manifestVersion: 1.0.0\n#" + strings.Repeat("x", MaxSize),
	} {
		_, err := Parse(strings.NewReader(doc), "proj/Kitfile")
		if err == nil || !strings.HasPrefix(err.Error(), "proj/Kitfile: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Parse(strings.NewReader("manifestVersion: 1.0.0\npackage: [unclosed\n"), "Kitfile"); !strings.Contains(err.Error(), "line") {
		t.Errorf("a YAML error without its line: %v", err)
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		p, f string
		want bool
	}{{"data", "data/a.csv", true}, {"data", "database.csv", false}, {".", "x", true}, {"a.bin", "a.bin", true}} {
		if got := Covers(c.p, c.f); got != c.want {
			t.Errorf("Covers(%q, %q) = %v", c.p, c.f, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(example))
	f.Add([]byte("manifestVersion: 1\nmodel: {parts: [{path: a}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := Parse(strings.NewReader(string(data)), "Kitfile")
		if err != nil || kf == nil {
			return
		}
		var paths []string
		if kf.Model != nil {
			paths = append(paths, kf.Model.Path)
			for _, p := range kf.Model.Parts {
				paths = append(paths, p.Path)
			}
		}
		for _, d := range kf.Datasets {
			paths = append(paths, d.Path)
		}
		for _, p := range paths {
			if p != "" && (strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../")) {
				t.Fatalf("escaping path %q accepted", p)
			}
		}
	})
}
