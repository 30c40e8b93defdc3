package modelcard

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestLineage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		card    *Card
		adapter *Adapter
		gguf    []string
		want    []Ancestor
	}{
		{name: "nothing"},
		{name: "quantized", card: &Card{BaseModel: []string{"meta-llama/Meta-Llama-3-8B"}, BaseModelRelation: "Quantized"},
			gguf: []string{"Meta-Llama/meta-llama-3-8b", "Other/base"},
			want: []Ancestor{{"meta-llama/Meta-Llama-3-8B", RelationQuantized, SourceCard}, {"Other/base", RelationUnknown, SourceGGUF}}},
		{name: "adapter upgrades unknown", card: &Card{BaseModel: []string{"https://huggingface.co/a/b/"}},
			adapter: &Adapter{BaseModel: "a/b"},
			want:    []Ancestor{{"a/b", RelationAdapter, SourceCard}}},
		{name: "adapter only, local path", adapter: &Adapter{BaseModel: "/models/llama"},
			want: []Ancestor{{"/models/llama", RelationAdapter, SourceAdapter}}},
		{name: "merge", card: &Card{BaseModel: []string{"x/a", "x/b", "x/a"}, BaseModelRelation: "merge"},
			want: []Ancestor{{"x/a", RelationMerge, SourceCard}, {"x/b", RelationMerge, SourceCard}}},
		{name: "unknown relation word", card: &Card{BaseModel: []string{"x/a"}, BaseModelRelation: "distilled"},
			want: []Ancestor{{"x/a", RelationUnknown, SourceCard}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Lineage(tt.card, tt.adapter, tt.gguf)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPackageURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ repo, rev, want string }{
		{"meta-llama/Meta-Llama-3-8B", "62BD457B6FE961A42A631306577E622C83876CB6", "pkg:huggingface/meta-llama/Meta-Llama-3-8B@62bd457b6fe961a42a631306577e622c83876cb6"},
		{"distilbert-base-uncased", "043235d6088ecd3dd5fb5ca3592b6913fd516027", "pkg:huggingface/distilbert-base-uncased@043235d6088ecd3dd5fb5ca3592b6913fd516027"},
		{"https://huggingface.co/microsoft/deberta-v3-base", "", "pkg:huggingface/microsoft/deberta-v3-base"},
		{"org/we ird@name", "", "pkg:huggingface/org/we%20ird%40name"},
		{"", "abc", ""},
		{"a/b/c", "", ""},
		{"a//b", "", ""},
		{"../x", "", ""},
		{"/models/llama", "", ""},
	}
	for _, tt := range tests {
		if got := PackageURL(tt.repo, tt.rev); got != tt.want {
			t.Errorf("PackageURL(%q, %q) = %q, want %q", tt.repo, tt.rev, got, tt.want)
		}
	}
}

func TestDatasetRef(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"squad_v2", " squad_v2 ", "https://huggingface.co/datasets/squad_v2", "squad_v2/"} {
		if got := DatasetRef(in); got != "dataset:hf/squad_v2" {
			t.Errorf("DatasetRef(%q) = %q", in, got)
		}
	}
	c := &Card{Datasets: []string{"a/b", "a/b", "c"}, ModelIndex: []ModelIndex{{Results: []Result{
		{Dataset: EvalDataset{Name: "C display", Type: "c"}}, {Dataset: EvalDataset{Name: "MMLU"}},
	}}}}
	if diff := cmp.Diff([]string{"a/b", "c", "MMLU"}, c.DatasetNames()); diff != "" {
		t.Errorf("DatasetNames (-want +got):\n%s", diff)
	}
}

func TestLicenses(t *testing.T) {
	t.Parallel()
	lic := func(id, name, url string) cdx.LicenseChoice {
		return cdx.LicenseChoice{License: &cdx.License{ID: id, Name: name, URL: url}}
	}
	tests := []struct {
		name string
		card *Card
		want cdx.Licenses
	}{
		{"spdx", &Card{License: []string{"Apache-2.0", "mit", "cc-by-4.0", "cc-by-nc-4.0"}},
			cdx.Licenses{lic("Apache-2.0", "", ""), lic("MIT", "", ""), lic("CC-BY-4.0", "", ""), lic("CC-BY-NC-4.0", "", "")}},
		{"no spdx id", &Card{License: []string{"llama3", "openrail", "creativeml-openrail-m", "gemma"}, LicenseLink: "https://llama.meta.com/llama3/license/"},
			cdx.Licenses{lic("", "llama3", "https://llama.meta.com/llama3/license/"), lic("", "openrail", "https://llama.meta.com/llama3/license/"),
				lic("", "creativeml-openrail-m", "https://llama.meta.com/llama3/license/"), lic("", "gemma", "https://llama.meta.com/llama3/license/")}},
		{"other with name, relative link", &Card{License: []string{"other"}, LicenseName: "acme-model-license", LicenseLink: "LICENSE.md"},
			cdx.Licenses{lic("", "acme-model-license", "")}},
		{"other without name", &Card{License: []string{"other"}}, cdx.Licenses{lic("", "other", "")}},
		{"unknown and duplicates", &Card{License: []string{"unknown", "mit", "MIT", ""}}, cdx.Licenses{lic("MIT", "", "")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.card.Licenses()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSPDXIDsAreValid checks every SPDX id of the mapping against the
// license list of the CycloneDX schema.
func TestSPDXIDsAreValid(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "internal", "bomschema", "schema", "spdx.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct{ Enum []string }
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, id := range schema.Enum {
		known[id] = true
	}
	for hf, id := range spdxIDs {
		if !known[id] {
			t.Errorf("%s maps to %q, which is not an SPDX license id", hf, id)
		}
	}
}

func TestProperties(t *testing.T) {
	t.Parallel()
	temp, yes := 0.7, false
	got := Properties(&Card{LibraryName: "transformers", Language: []string{"en", "fr"}},
		&Config{DType: "bfloat16", ContextLength: 8192, ContextLengthKey: "max_position_embeddings", Quantization: &Quantization{Method: "awq", Bits: 4}},
		&GenerationConfig{MaxNewTokens: 256, Temperature: &temp, DoSample: &yes})
	want := []cdx.Property{
		{Name: "aibom:card:library_name", Value: "transformers"},
		{Name: "aibom:card:language", Value: "en"},
		{Name: "aibom:card:language", Value: "fr"},
		{Name: "aibom:config:torch_dtype", Value: "bfloat16"},
		{Name: "aibom:config:context_length", Value: "8192"},
		{Name: "aibom:config:context_length_key", Value: "max_position_embeddings"},
		{Name: "aibom:config:quantization:quant_method", Value: "awq"},
		{Name: "aibom:config:quantization:bits", Value: "4"},
		{Name: "aibom:generation:max_new_tokens", Value: "256"},
		{Name: "aibom:generation:temperature", Value: "0.7"},
		{Name: "aibom:generation:do_sample", Value: "false"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	var a *Adapter
	if a.Properties() != nil {
		t.Error("nil adapter has properties")
	}
}
