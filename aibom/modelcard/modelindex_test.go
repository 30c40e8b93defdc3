package modelcard

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mtebCard writes a card shaped like an MTEB embedding model's: results on
// n datasets with per metrics each, no pipeline_tag.
func mtebCard(n, per int) string {
	var b strings.Builder
	b.WriteString("---\nlibrary_name: sentence-transformers\ntags:\n- mteb\ndatasets:\n- sentence-transformers/all-nli\n")
	b.WriteString("model-index:\n- name: acme-embed\n  results:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - task:\n      type: %s\n    dataset:\n      type: mteb/task-%d\n      name: MTEB Task%d\n"+
			"      config: default\n      split: test\n      revision: %040x\n    metrics:\n", []string{"Classification", "Retrieval"}[i%2], i, i, i)
		for j := range per {
			fmt.Fprintf(&b, "    - type: m%d\n      value: %d.5\n", j, i+j)
		}
	}
	b.WriteString("---\n# acme-embed\n")
	return b.String()
}

func TestModelIndexEvaluation(t *testing.T) {
	t.Parallel()
	c, err := ParseCard(strings.NewReader(mtebCard(150, 9)), "README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range c.ModelIndex[0].Results {
		n += len(r.Metrics)
	}
	if n != 1350 {
		t.Errorf("%d metrics, want all 1350", n)
	}
	if got := c.Task(&Config{Architectures: []string{"BertModel"}}); got != "sentence-similarity" {
		t.Errorf("task %q, want sentence-similarity (from library_name, not the first benchmark)", got)
	}
	if diff := cmp.Diff([]string{"sentence-transformers/all-nli"}, c.TrainingDatasets()); diff != "" {
		t.Errorf("training datasets (-want +got):\n%s", diff)
	}
	ev := c.EvaluationDatasets()
	if len(ev) != 150 || ev[0] != "mteb/task-0" {
		t.Errorf("evaluation datasets %d, first %q", len(ev), ev[0])
	}
	mc := c.ModelCard(nil)
	if pm := *mc.QuantitativeAnalysis.PerformanceMetrics; len(pm) != 1350 ||
		pm[0].Slice != "MTEB Task0 (dataset:hf/mteb/task-0, config default, split test, revision "+fmt.Sprintf("%040x", 0)+")" {
		t.Errorf("%d metrics, first %+v", len(pm), pm[0])
	}
	props := Properties(c, nil, nil)
	var train, eval int
	for _, p := range props {
		switch p.Name {
		case PropDatasetTraining:
			train++
		case PropDatasetEvaluation:
			eval++
		case PropMetricsOmitted:
			t.Errorf("property %v on a card within the bound", p)
		}
	}
	if train != 1 || eval != 150 {
		t.Errorf("%d training and %d evaluation dataset properties, want 1 and 150", train, eval)
	}
}

func TestModelIndexBound(t *testing.T) {
	t.Parallel()
	// 40 results of 9 metrics: a bound of 100 keeps 10 results (each counts
	// too) and 90 metrics.
	c, err := parseCard(strings.NewReader(mtebCard(40, 9)), "README.md", limits{metrics: 100})
	if !errors.Is(err, ErrMetricsOmitted) || !strings.Contains(err.Error(), "README.md") ||
		!strings.Contains(err.Error(), "270 metrics") {
		t.Fatalf("error %v, want ErrMetricsOmitted naming the file and the 270 metrics left out", err)
	}
	if c.MetricsOmitted != 270 || c.MetricsOmittedAtLeast || len(c.ModelIndex[0].Results) != 10 {
		t.Errorf("omitted %d (at least: %v), %d results", c.MetricsOmitted, c.MetricsOmittedAtLeast, len(c.ModelIndex[0].Results))
	}
	found := false
	for _, p := range Properties(c, nil, nil) {
		if p.Name == PropMetricsOmitted {
			found = p.Value == "270"
		}
	}
	if !found {
		t.Error("no aibom:card:metrics_omitted=270 property")
	}
	// Aliased results cost no more than the bound to count.
	in := "---\nx: &r {metrics: [{type: a, value: 1}, {type: b, value: 2}]}\nmodel-index: [{results: [" +
		strings.TrimSuffix(strings.Repeat("*r, ", 50), ", ") + "]}]\n---\n"
	c, err = parseCard(strings.NewReader(in), "README.md", limits{metrics: 9})
	if !errors.Is(err, ErrMetricsOmitted) || !c.MetricsOmittedAtLeast || !strings.Contains(err.Error(), "at least") {
		t.Errorf("aliases: %v, omitted %d at least %v", err, c.MetricsOmitted, c.MetricsOmittedAtLeast)
	}
}

func TestTask(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		card *Card
		arch string
		want string
	}{
		{&Card{PipelineTag: "feature-extraction", LibraryName: "sentence-transformers"}, "BertModel", "feature-extraction"},
		{&Card{ModelIndex: []ModelIndex{{Results: []Result{{TaskType: "Classification"}}}}}, "BertForQuestionAnswering", "question-answering"},
		{&Card{ModelIndex: []ModelIndex{{Results: []Result{{TaskType: "Classification"}}}}}, "", ""},
		{nil, "LlamaForCausalLM", "text-generation"},
		{nil, "GPT2LMHeadModel", "text-generation"},
		{nil, "XLMRobertaModel", "feature-extraction"},
		{nil, "BertPreTrainedModel", ""},
		{nil, "Model", ""},
		{nil, "WhisperForConditionalGeneration", ""},
	} {
		var cfg *Config
		if tc.arch != "" {
			cfg = &Config{Architectures: []string{tc.arch}}
		}
		if got := tc.card.Task(cfg); got != tc.want {
			t.Errorf("Task(%+v, %s) = %q, want %q", tc.card, tc.arch, got, tc.want)
		}
	}
}

// BenchmarkParseCardMTEB parses an MTEB-shaped card of 150 results and
// 1,350 metrics and maps it to the model card.
func BenchmarkParseCardMTEB(b *testing.B) {
	in := mtebCard(150, 9)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		c, err := ParseCard(strings.NewReader(in), "README.md")
		if err != nil {
			b.Fatal(err)
		}
		_ = c.ModelCard(nil)
	}
}

// BenchmarkParseSections parses the body of a long card: the template's
// sections repeated, with code blocks and bold labels.
func BenchmarkParseSections(b *testing.B) {
	body := []byte(strings.Repeat("## Uses\n\n### Direct Use\n\nChat.\n\n```python\nx = 1\n```\n\n"+
		"**Out-of-scope Uses**: weapons.\n\n## Bias, Risks, and Limitations\n\nEnglish only.\n\n", 2000))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		_ = parseSections(body)
	}
}
