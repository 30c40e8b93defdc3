package aibom

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	dir := modelDir(t)
	old := generate(t, dir).BOM
	if got := Diff(old, old); len(got) != 0 {
		t.Fatalf("a BOM differs from itself: %v", got)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pytorch_model.bin", "\x80\x02}.")
	write("chat_template.jinja", "{{ messages }}")
	if err := os.Remove(filepath.Join(dir, "tokenizer.json")); err != nil {
		t.Fatal(err)
	}
	cur := generate(t, dir).BOM
	cur.Metadata.Component.Licenses = &cdx.Licenses{{License: &cdx.License{ID: "Apache-2.0"}}}
	cur.Metadata.Component.Pedigree = &cdx.Pedigree{Ancestors: &[]cdx.Component{{Group: "meta-llama", Name: "Llama-3-8B"}}}
	var got []string
	for _, c := range Diff(old, cur) {
		got = append(got, c.Kind+" "+c.Area+" "+c.Subject)
	}
	want := []string{
		"added chat-template chat_template.jinja",
		"removed finding PICKLE-DANGEROUS-GLOBAL in pytorch_model.bin",
		"added license Apache-2.0",
		"removed license MIT",
		"added lineage meta-llama/Llama-3-8B",
		"removed tokenizer tokenizer.json",
		"changed weights pytorch_model.bin",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := WriteDiff(&buf, Diff(old, cur)); err != nil || !strings.Contains(buf.String(), "~ weights") {
		t.Errorf("%v %q", err, buf.String())
	}
}

// TestDiffLibrariesAndDatasets: an upgraded dependency is one change, and
// a dataset whose sample starts holding personal data is reported.
func TestDiffLibrariesAndDatasets(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "proj")
	copyFile(t, "testdata/datasets/pii/data/test.jsonl", dir, "data/train.jsonl")
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("requirements.txt", "torch==2.4.0\nnumpy==1.26.4\n")
	write("data/train.jsonl", `{"text": "hello"}`+"\n")
	old := generate(t, dir).BOM
	write("requirements.txt", "torch==2.5.1\ntransformers>=4.44\n")
	copyFile(t, "testdata/datasets/pii/data/test.jsonl", dir, "data/train.jsonl")
	cur := generate(t, dir).BOM
	var got []string
	for _, c := range Diff(old, cur) {
		if c.Area == "library" || c.Area == "sensitive-data" {
			got = append(got, c.Kind+" "+c.Area+" "+c.Subject+" "+c.Old+" -> "+c.New)
		}
	}
	want := []string{
		"removed library pkg:pypi/numpy 1.26.4 -> ",
		"changed library pkg:pypi/torch 2.4.0 -> 2.5.1",
		"added library pkg:pypi/transformers  -> >=4.44",
		"changed sensitive-data local/. no-sensitive-data-found-in-sample -> contains-pii-and-secrets",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}
