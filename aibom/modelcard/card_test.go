package modelcard

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

func openTestdata(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func parseCardFile(t *testing.T, name string) *Card {
	t.Helper()
	c, err := ParseCard(openTestdata(t, name), name)
	if err != nil {
		t.Fatalf("ParseCard(%s): %v", name, err)
	}
	return c
}

func TestParseCardFixtures(t *testing.T) {
	t.Parallel()
	no := false
	tests := []struct {
		file string
		want *Card
	}{
		{"llama3-README.md", &Card{
			HasFrontMatter: true, License: []string{"llama3"}, Language: []string{"en"},
			PipelineTag: "text-generation", Tags: []string{"facebook", "meta", "pytorch", "llama", "llama-3"},
			Sections: Sections{
				IntendedUses: []string{"**Intended Use Cases** Llama 3 is intended for commercial and research use in English. Instruction tuned\n" +
					"models are intended for assistant-like chat, whereas pretrained models can be adapted for a variety of\nnatural language generation tasks."},
				OutOfScope: []string{"**Out-of-scope** Use in any manner that violates applicable laws or regulations (including trade compliance\n" +
					"laws). Use in languages other than English."},
				Bias: []string{"The core values of Llama 3 are openness, inclusivity and helpfulness. Like all LLMs, Llama 3 may in some\n" +
					"instances produce inaccurate, biased or other objectionable responses to user prompts. Before deploying any\n" +
					"applications of Llama 3, developers should perform safety testing and tuning tailored to their application."},
			},
		}},
		{"bert-squad2-README.md", &Card{
			HasFrontMatter: true, License: []string{"cc-by-4.0"}, Language: []string{"en"}, Datasets: []string{"squad_v2"},
			ModelIndex: []ModelIndex{{Name: "deepset/bert-base-cased-squad2", Results: []Result{
				{TaskType: "question-answering", TaskName: "Question Answering",
					Dataset: EvalDataset{Name: "squad_v2", Type: "squad_v2", Config: "squad_v2", Split: "validation"},
					Metrics: []Metric{
						{Type: "exact_match", Name: "Exact Match", Value: "71.1517", Verified: true},
						{Type: "f1", Name: "F1", Value: "74.6714", Verified: true},
					}},
				{TaskType: "question-answering", TaskName: "Question Answering",
					Dataset: EvalDataset{Name: "squad", Type: "squad", Config: "plain_text", Split: "validation"},
					Metrics: []Metric{{Type: "exact_match", Name: "Exact Match", Value: "82.7001"}}},
			}}},
		}},
		{"lora-README.md", &Card{
			HasFrontMatter: true, License: []string{"llama2"}, LibraryName: "peft",
			Datasets: []string{"timdettmers/openassistant-guanaco"}, BaseModel: []string{"meta-llama/Llama-2-7b-hf"},
			Sections: Sections{
				IntendedUses:    []string{"A chat assistant for English conversations, trained with QLoRA on the OpenAssistant Guanaco subset."},
				OutOfScope:      []string{"Medical, legal or financial advice."},
				Bias:            []string{"The adapter inherits the biases of Llama 2 and of the crowd-sourced conversations it was tuned on."},
				Recommendations: []string{"Users should filter outputs before showing them to end users."},
			},
		}},
		{"gguf-README.md", &Card{
			HasFrontMatter: true, License: []string{"llama3"}, LicenseLink: "https://llama.meta.com/llama3/license/",
			Language: []string{"en"}, PipelineTag: "text-generation", Tags: []string{"facebook", "meta", "llama", "llama-3"},
			BaseModel: []string{"meta-llama/Meta-Llama-3-8B-Instruct"}, BaseModelRelation: "quantized",
			ModelName: "Meta-Llama-3-8B-Instruct", ModelCreator: "meta-llama", QuantizedBy: "bartowski", Inference: &no,
		}},
		{"co2-README.md", &Card{
			HasFrontMatter: true, License: []string{"apache-2.0"}, Language: []string{"en"},
			PipelineTag: "text-classification", Tags: []string{"autotrain", "text-classification"},
			Datasets: []string{"abhishek/autotrain-data-imdb"}, Metrics: []string{"accuracy"},
			CO2: &Emissions{Grams: 0.0186, HasGrams: true, Source: "AutoTrain", TrainingType: "fine-tuning",
				GeographicalLocation: "Frankfurt, Germany", HardwareUsed: "1 x A10G"},
			Sections: Sections{Limitations: []string{"Trained on movie reviews only; other domains are untested."}},
		}},
		{"nofrontmatter-README.md", &Card{Sections: Sections{IntendedUses: []string{"Testing only."}}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got := parseCardFile(t, tt.file)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCard(%s) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestParseCardMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		line     int
		want     *Card
	}{
		{"fixture", "", 6, &Card{ // read from testdata/malformed-README.md below
			HasFrontMatter: true, License: []string{"mit"}, PipelineTag: "text-generation", Datasets: []string{"x"},
			Sections: Sections{Limitations: []string{"The body is still read when the YAML is broken."}},
		}},
		{"unclosed", "---\nlicense: mit\n\n## Limitations\nnone\n", 1, &Card{
			Sections: Sections{Limitations: []string{"none"}},
		}},
		{"not a mapping", "---\n- a\n- b\n---\nbody\n", 2, &Card{HasFrontMatter: true}},
		{"tab indent", "---\nlicense: mit\ntags:\n\t- a\n---\n", 4, &Card{HasFrontMatter: true, License: []string{"mit"}}},
		{"crlf", "---\r\nlicense: mit\r\nbad: [\r\n---\r\n## Risks\r\nrisky\r\n", 3, &Card{
			HasFrontMatter: true, License: []string{"mit"}, Sections: Sections{Bias: []string{"risky"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := "README.md"
			var in []byte
			if tt.in == "" {
				name = "malformed-README.md"
				var err error
				if in, err = os.ReadFile(filepath.Join("testdata", name)); err != nil {
					t.Fatal(err)
				}
			} else {
				in = []byte(tt.in)
			}
			got, err := ParseCard(bytes.NewReader(in), name)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Line != tt.line || se.Name != name || !strings.Contains(err.Error(), name) {
				t.Errorf("error %q: line %d, want %d, naming %s", err, se.Line, tt.line, name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("partial card mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCardEdgeCases(t *testing.T) {
	t.Parallel()
	yes := true
	tests := []struct {
		name, in string
		want     *Card
	}{
		{"empty", "", &Card{}},
		{"empty front matter", "---\n---\n", &Card{HasFrontMatter: true}},
		{"null front matter", "---\n~\n---\n", &Card{HasFrontMatter: true}},
		{"bom and trailing spaces", "\xef\xbb\xbf---  \nlicense: MIT\n--- \n", &Card{HasFrontMatter: true, License: []string{"MIT"}}},
		{"wrong types skipped", "---\nlicense: {a: b}\ntags: 3\nco2_eq_emissions: [1]\nmodel-index: x\ninference: maybe\n---\n",
			&Card{HasFrontMatter: true, Tags: []string{"3"}}},
		{"lists and nulls", "---\nbase_model: [a/b, null, '', c/d]\nlicense: [mit, apache-2.0]\ninference: true\n---\n",
			&Card{HasFrontMatter: true, BaseModel: []string{"a/b", "c/d"}, License: []string{"mit", "apache-2.0"}, Inference: &yes}},
		{"aliases", "---\nx: &l apache-2.0\nlicense: *l\n---\n", &Card{HasFrontMatter: true, License: []string{"apache-2.0"}}},
		{"duplicate key keeps last", "---\nlicense: mit\nlicense: llama3\n---\n", &Card{HasFrontMatter: true, License: []string{"llama3"}}},
		{"co2 as a number", "---\nco2_eq_emissions: 149.2\n---\n", &Card{HasFrontMatter: true, CO2: &Emissions{Grams: 149.2, HasGrams: true}}},
		{"co2 without a number", "---\nco2_eq_emissions:\n  emissions: lots\n  source: paper\n---\n",
			&Card{HasFrontMatter: true, CO2: &Emissions{Source: "paper"}}},
		{"dashes later are not front matter", "# T\n---\nlicense: mit\n---\n", &Card{}},
		{"sections", "## Uses\nintro\n### Direct Use\nchat\n#### Detail\nmore\n### Out-of-Scope Use\nweapons\n" +
			"## Intended Users\nresearchers\n##NoSpace\n## Known limitations ##\n<!-- c\nc -->\nslow\n```\n## Risks\n```\n# Other\nx\n",
			&Card{Sections: Sections{
				IntendedUses: []string{"intro", "chat\n#### Detail\nmore"},
				OutOfScope:   []string{"weapons"},
				Users:        []string{"researchers\n##NoSpace"},
				Limitations:  []string{"slow"}, // the fenced "## Risks" is code: neither a heading nor text
			}}},
		{"placeholders only", "## Bias, Risks, and Limitations\n<!-- x -->\n[More Information Needed]\n", &Card{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCard(strings.NewReader(tt.in), "README.md")
			if err != nil {
				t.Fatalf("ParseCard: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCardBounded(t *testing.T) {
	t.Parallel()
	t.Run("huge body", func(t *testing.T) {
		t.Parallel()
		long := strings.Repeat("word ", MaxSectionLen)
		in := "---\nlicense: mit\n---\n## Limitations\n" + long + "\n" + strings.Repeat("x", MaxCardSize)
		c, err := ParseCard(strings.NewReader(in), "README.md")
		if !errors.Is(err, safeio.ErrTooLarge) || !strings.Contains(err.Error(), "README.md") {
			t.Fatalf("error %v, want safeio.ErrTooLarge naming the file", err)
		}
		if c == nil || len(c.License) != 1 || len(c.Sections.Limitations) != 1 {
			t.Fatalf("partial card %+v, want the license and the section", c)
		}
		if n := len(c.Sections.Limitations[0]); n > MaxSectionLen {
			t.Errorf("section of %d bytes, want at most %d", n, MaxSectionLen)
		}
	})
	t.Run("huge front matter", func(t *testing.T) {
		t.Parallel()
		in := "---\nlicense: mit\n" + strings.Repeat("k: v\n", MaxFrontMatter/5) + "---\n## Limitations\nslow\n"
		c, err := ParseCard(strings.NewReader(in), "README.md")
		if !errors.Is(err, safeio.ErrTooLarge) {
			t.Fatalf("error %v, want safeio.ErrTooLarge", err)
		}
		want := &Card{HasFrontMatter: true, Sections: Sections{Limitations: []string{"slow"}}}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("many sections and lists", func(t *testing.T) {
		t.Parallel()
		in := "---\ntags:\n" + strings.Repeat("- t\n", 10*maxListItems) + "---\n" + strings.Repeat("## Limitations\nx\n", 100)
		c, err := ParseCard(strings.NewReader(in), "README.md")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Tags) != maxListItems || len(c.Sections.Limitations) != maxSections {
			t.Errorf("%d tags, %d sections; want %d and %d", len(c.Tags), len(c.Sections.Limitations), maxListItems, maxSections)
		}
	})
	t.Run("alias bomb", func(t *testing.T) {
		t.Parallel()
		in := "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
			"model-index: [{results: [{metrics: *d}]}]\nlicense: mit\n---\n"
		c, _ := ParseCard(strings.NewReader(in), "README.md")
		if c == nil || len(c.License) != 1 {
			t.Fatalf("card %+v", c)
		}
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseCardReadError(t *testing.T) {
	t.Parallel()
	c, err := ParseCard(failingReader{}, "README.md")
	if c != nil || err == nil || !strings.Contains(err.Error(), "README.md") {
		t.Errorf("got %v, %v; want nil and an error naming the file", c, err)
	}
}

func TestParseCardLateFrontMatter(t *testing.T) {
	t.Parallel()
	in := "<!-- exported by a tool -->\n\n---\nlicense: mit\ndatasets: [squad]\n---\n## Limitations\nslow\n"
	c, err := ParseCard(strings.NewReader(in), "README.md")
	if !errors.Is(err, ErrFrontMatterNotAtStart) || !strings.Contains(err.Error(), "README.md:3") {
		t.Fatalf("error %v, want ErrFrontMatterNotAtStart at README.md:3", err)
	}
	want := &Card{Sections: Sections{Limitations: []string{"slow"}}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("the late front matter was read (-want +got):\n%s", diff)
	}
}
