package dataset

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/internal/bomschema"
)

// fixtures copies testdata/datasets (made by gen.py) into a temporary
// project with a model beside it, and adds Parquet and Arrow files built in
// Go (pyarrow is not available to gen.py).
func fixtures(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join("..", "..", "testdata", "datasets")
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".py") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		write(t, filepath.Join(root, "datasets", rel), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "datasets", "pii", "data", "extra.parquet"),
		parquetFile("raw page bytes: frank@example.com", 2, 0, testCols[:2]))
	write(t, filepath.Join(root, "datasets", "clean", "data", "big.parquet"),
		parquetFile("snappy bytes erin@example.com", 1000, 1, testCols[:2]))
	write(t, filepath.Join(root, "cache", "train", "data-00000-of-00001.arrow"), arrowStream(false, "grace@example.com", 4, 6))
	write(t, filepath.Join(root, "cache", "train", "dataset_info.json"), []byte("{}"))
	write(t, filepath.Join(root, "model", "model.safetensors"), []byte("weights"))
	write(t, filepath.Join(root, "model", "eval_results.csv"), []byte("metric,value\nacc,0.9\n"))
	write(t, filepath.Join(root, "model", "README.md"), []byte("---\nlicense: mit\nlanguage: en\n---\n# model\n"))
	write(t, filepath.Join(root, "model", "config.json"), []byte("{}"))
	write(t, filepath.Join(root, "project", "data", "raw", "notes.txt"), []byte("ping heidi@example.com\n"))
	write(t, filepath.Join(root, "project", "data", "raw", "vocab.txt"), []byte("ivan@example.com\n"))
	return root
}

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func detect(t *testing.T) []Dataset {
	t.Helper()
	src, err := source.Open(context.Background(), fixtures(t))
	if err != nil {
		t.Fatal(err)
	}
	files, _, err := source.List(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	return Detect(context.Background(), files)
}

func TestDetect(t *testing.T) {
	t.Parallel()
	type summary struct {
		Path, Name, Class string
		Files             []string
		Counts            Counts
	}
	var got []summary
	for _, d := range detect(t) {
		s := summary{Path: d.Path, Name: d.Name, Class: d.Classification(), Counts: d.Sensitive}
		for _, f := range d.Files {
			s.Files = append(s.Files, f.Path+":"+f.Format)
			if f.Err != nil {
				t.Errorf("%s: %v", f.Path, f.Err)
			}
		}
		got = append(got, s)
	}
	want := []summary{
		{Path: "cache/train", Name: "train", Class: ClassPII, Counts: Counts{Email: 2}, // one per batch body
			Files: []string{"cache/train/data-00000-of-00001.arrow:arrow-stream"}},
		// big.parquet is compressed, so the sample is partial.
		{Path: "datasets/clean", Name: "Clean fixture", Class: ClassNoneInPartialSample, Counts: Counts{},
			Files: []string{"datasets/clean/data/big.parquet:parquet", "datasets/clean/data/test.jsonl:jsonl", "datasets/clean/data/train.csv:csv"}},
		{Path: "datasets/pii", Name: "Fake PII fixture", Class: ClassPIIAndSecrets,
			Counts: Counts{Email: 5, Phone: 2, CreditCard: 3, USSSN: 1, UKNINO: 1, IBAN: 1, AWSAccessKeyID: 1, JWT: 1},
			Files:  []string{"datasets/pii/data/extra.parquet:parquet", "datasets/pii/data/test.jsonl:jsonl", "datasets/pii/data/train.csv:csv"}},
		{Path: "project", Name: "project", Class: ClassPII, Counts: Counts{Email: 1},
			Files: []string{"project/data/raw/notes.txt:text"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("datasets (-want +got):\n%s", diff)
	}
}

func TestDetectFiles(t *testing.T) {
	t.Parallel()
	files := map[string]File{}
	for _, d := range detect(t) {
		for _, f := range d.Files {
			files[f.Path] = f
		}
	}
	type info struct {
		Rows       int64
		Approx     bool
		Columns    []Column
		NotSampled string
	}
	want := map[string]info{
		"datasets/pii/data/train.csv":           {Rows: 9, Approx: true, Columns: []Column{{Name: "id"}, {Name: "text"}, {Name: "label"}}},
		"datasets/pii/data/test.jsonl":          {Rows: 3, Columns: []Column{{"id", "number"}, {"text", "string"}, {"label", "number"}}},
		"datasets/pii/data/extra.parquet":       {Rows: 2, Columns: []Column{{"id", "int64"}, {"text", "string"}}},
		"datasets/clean/data/big.parquet":       {Rows: 1000, Columns: []Column{{"id", "int64"}, {"text", "string"}}, NotSampled: "compressed (snappy)"},
		"cache/train/data-00000-of-00001.arrow": {Rows: 10, Columns: []Column{{"text", "utf8"}, {"label", "int"}}},
		"project/data/raw/notes.txt":            {Rows: 1},
		"datasets/clean/data/train.csv":         {Rows: 5, Approx: true, Columns: []Column{{Name: "id"}, {Name: "text"}, {Name: "label"}}},
		"datasets/clean/data/test.jsonl":        {Rows: 2, Columns: []Column{{"id", "number"}, {"text", "string"}, {"label", "number"}}},
	}
	for p, w := range want {
		f := files[p]
		g := info{Rows: f.Rows, Approx: f.RowsApproximate, Columns: f.Columns, NotSampled: f.NotSampled}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%s (-want +got):\n%s", p, diff)
		}
	}
}

func TestCard(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "datasets", "pii", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCard(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &Card{
		PrettyName: "Fake PII fixture", License: []string{"cc-by-4.0"}, Language: []string{"en"},
		TaskCategories: []string{"text-classification"}, SizeCategories: []string{"n<1K"}, Configs: []string{"default"},
		Features: []Column{{"id", "int64"}, {"text", "string"}, {"label", "int64"}},
		Splits:   map[string]int64{"train": 8, "test": 3}, IsDataset: true,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{"no front matter", "---\nunclosed: 1\n", "---\n- a list\n---\n", "---\na: [\n---\n",
		"---\ndataset_info:\n  splits:\n  - name: x\n    num_examples: [1]\n---\n"} {
		if c, err := ParseCard([]byte(bad)); err == nil && c.IsDataset && len(c.Splits) > 0 {
			t.Errorf("%q: %+v", bad, c)
		}
	}
}

// TestComponentSchema validates a BOM holding every detected dataset, with
// its files as nested components, against the CycloneDX 1.6 and 1.7
// schemas.
func TestComponentSchema(t *testing.T) {
	t.Parallel()
	sets := detect(t)
	var comps []cdx.Component
	for i := range sets {
		c := sets[i].Component()
		var files []cdx.Component
		for j := range sets[i].Files {
			f := &sets[i].Files[j]
			props := f.Properties()
			files = append(files, cdx.Component{Type: cdx.ComponentTypeFile, Name: f.Path, BOMRef: "file:" + f.Path, Properties: &props})
		}
		c.Components = &files
		comps = append(comps, c)
	}
	for _, v := range []cdx.SpecVersion{cdx.SpecVersion1_6, cdx.SpecVersion1_7} {
		bom := cdx.NewBOM()
		bom.SerialNumber = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
		bom.Components = &comps
		var buf bytes.Buffer
		if err := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).EncodeVersion(bom, v); err != nil {
			t.Fatal(err)
		}
		if err := bomschema.Validate(buf.Bytes(), v.String()); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	c := sets[2].Component()
	props := map[string]string{}
	for _, p := range *c.Properties {
		props[p.Name] = p.Value
	}
	for k, want := range map[string]string{
		"aibom:pii:email": "5", "aibom:pii:credit-card": "3", "aibom:dataset:rows": "14",
		"aibom:dataset:format": "csv,jsonl,parquet", "aibom:dataset:columns": "id:int64,text:string,label:int64",
		"aibom:dataset:card-splits": "test=3,train=8",
	} {
		if props[k] != want {
			t.Errorf("%s = %q, want %q", k, props[k], want)
		}
	}
	if c.BOMRef != "dataset:local/datasets/pii" || (*c.Data)[0].Classification != ClassPIIAndSecrets ||
		!cmp.Equal(*(*c.Data)[0].SensitiveData, []string{"aws-access-key-id: 1", "credit-card: 3", "email: 5", "iban: 1", "jwt: 1", "phone: 2", "uk-nino: 1", "us-ssn: 1"}) {
		t.Errorf("component %s: data %+v", c.BOMRef, (*c.Data)[0].Classification)
	}
}
