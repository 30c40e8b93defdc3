package modelcard

import (
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// DatasetRef returns the bom-ref that the model card uses for a dataset the
// card names, e.g. "dataset:hf/squad_v2". The caller gives the dataset's
// data component this bom-ref. The same name always gives the same ref.
func DatasetRef(name string) string {
	return "dataset:hf/" + hubID(name, "https://huggingface.co/datasets/")
}

// hubID trims a Hub URL to its id, "org/name" or "name". Anything else,
// such as a local path, keeps its form, without trailing slashes.
func hubID(name, urlPrefix string) string {
	name = strings.TrimSpace(name)
	for _, p := range []string{urlPrefix, "https://huggingface.co/", "hf://"} {
		if len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
			name = name[len(p):]
		}
	}
	return strings.TrimRight(name, "/")
}

// DatasetNames returns the datasets the card names, without repeats, in the
// order they appear: the training datasets, then the evaluation datasets.
// These are the datasets ModelCard refers to with DatasetRef.
func (c *Card) DatasetNames() []string {
	return dedupDatasets(append(c.TrainingDatasets(), c.EvaluationDatasets()...))
}

// TrainingDatasets returns the datasets of the card's datasets list, which
// the Hub documents as the data the model was trained on.
func (c *Card) TrainingDatasets() []string {
	if c == nil {
		return nil
	}
	return dedupDatasets(c.Datasets)
}

// EvaluationDatasets returns the datasets of the model-index results (their
// id, or their display name when the id is missing): what the model was
// evaluated on, not trained on.
func (c *Card) EvaluationDatasets() []string {
	if c == nil {
		return nil
	}
	var names []string
	seen := map[string]bool{}
	for _, mi := range c.ModelIndex {
		for _, r := range mi.Results {
			n := firstNonEmpty(r.Dataset.Type, r.Dataset.Name)
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return dedupDatasets(names)
}

// dedupDatasets trims Hub URLs to ids and drops repeats and empty names,
// keeping at most maxListItems.
func dedupDatasets(names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		id := hubID(n, "https://huggingface.co/datasets/")
		if id != "" && !seen[DatasetRef(id)] && len(out) < maxListItems {
			seen[DatasetRef(id)] = true
			out = append(out, id)
		}
	}
	return out
}

// ModelCard maps the card, and cfg when not nil, to a CycloneDX model card.
// c may be nil (a repository without README.md). The result is nil when
// neither says anything a model card holds. Every dataset it names is a
// reference (DatasetRef) to a data component the caller adds to the BOM.
//
// cyclonedx-go's MLModelCard has no properties; see Properties for the rest.
func (c *Card) ModelCard(cfg *Config) *cdx.MLModelCard {
	if c == nil {
		c = &Card{}
	}
	mc := &cdx.MLModelCard{
		ModelParameters:      c.modelParameters(cfg),
		QuantitativeAnalysis: c.quantitativeAnalysis(),
		Considerations:       c.considerations(),
	}
	if mc.ModelParameters == nil && mc.QuantitativeAnalysis == nil && mc.Considerations == nil {
		return nil
	}
	return mc
}

func (c *Card) modelParameters(cfg *Config) *cdx.MLModelParameters {
	p := &cdx.MLModelParameters{Task: c.Task(cfg)}
	if cfg != nil {
		p.ArchitectureFamily = cfg.ModelType
		if len(cfg.Architectures) > 0 {
			p.ModelArchitecture = cfg.Architectures[0]
		}
	}
	if names := c.DatasetNames(); len(names) > 0 {
		// CycloneDX lists here the datasets "used to train and evaluate the
		// model"; which is which is in the properties PropDatasetTraining
		// and PropDatasetEvaluation.
		ds := make([]cdx.MLDatasetChoice, len(names))
		for i, n := range names {
			ds[i] = cdx.MLDatasetChoice{Ref: DatasetRef(n)}
		}
		p.Datasets = &ds
	}
	if f, ok := pipelineIO[p.Task]; ok {
		p.Inputs, p.Outputs = formats(f[0]), formats(f[1])
	}
	if *p == (cdx.MLModelParameters{}) {
		return nil
	}
	return p
}

// Task returns the model's task: the card's pipeline_tag; else
// "sentence-similarity" for a sentence-transformers model, as the Hub
// shows it; else what config.json's architecture class implies
// (BertForQuestionAnswering: question-answering). The task types of
// model-index results are the benchmarks' tasks, not the model's, and are
// never used. c and cfg may be nil.
func (c *Card) Task(cfg *Config) string {
	if c != nil {
		if c.PipelineTag != "" {
			return c.PipelineTag
		}
		if strings.EqualFold(c.LibraryName, "sentence-transformers") {
			return "sentence-similarity"
		}
	}
	if cfg != nil {
		for _, a := range cfg.Architectures {
			if t := architectureTask(a); t != "" {
				return t
			}
		}
	}
	return ""
}

// architectureTasks maps the suffix of a transformers architecture class
// to the pipeline tag of its head.
var architectureTasks = []struct{ suffix, task string }{
	{"ForCausalLM", "text-generation"},
	{"LMHeadModel", "text-generation"},
	{"ForQuestionAnswering", "question-answering"},
	{"ForSequenceClassification", "text-classification"},
	{"ForTokenClassification", "token-classification"},
	{"ForMaskedLM", "fill-mask"},
	{"ForImageClassification", "image-classification"},
	{"ForObjectDetection", "object-detection"},
	{"ForSemanticSegmentation", "image-segmentation"},
	{"ForDepthEstimation", "depth-estimation"},
	{"ForAudioClassification", "audio-classification"},
	{"ForCTC", "automatic-speech-recognition"},
	{"ForSpeechSeq2Seq", "automatic-speech-recognition"},
	{"ForImageTextToText", "image-text-to-text"},
}

// architectureTask returns the task of an architecture class; a bare
// encoder (BertModel, XLMRobertaModel) gives feature-extraction.
func architectureTask(arch string) string {
	for _, at := range architectureTasks {
		if strings.HasSuffix(arch, at.suffix) && len(arch) > len(at.suffix) {
			return at.task
		}
	}
	if strings.HasSuffix(arch, "Model") && len(arch) > len("Model") && !strings.Contains(arch, "For") &&
		!strings.HasSuffix(arch, "PreTrainedModel") {
		return "feature-extraction"
	}
	return ""
}

func formats(list string) *[]cdx.MLInputOutputParameters {
	var out []cdx.MLInputOutputParameters
	for f := range strings.SplitSeq(list, ",") {
		out = append(out, cdx.MLInputOutputParameters{Format: f})
	}
	return &out
}

// pipelineIO gives the input and output formats a pipeline tag implies,
// each a comma-separated list.
var pipelineIO = map[string][2]string{
	"text-generation":                {"text", "text"},
	"text2text-generation":           {"text", "text"},
	"summarization":                  {"text", "text"},
	"translation":                    {"text", "text"},
	"question-answering":             {"text", "text"},
	"table-question-answering":       {"table,text", "text"},
	"fill-mask":                      {"text", "text"},
	"text-classification":            {"text", "label"},
	"token-classification":           {"text", "token labels"},
	"zero-shot-classification":       {"text", "label"},
	"sentence-similarity":            {"text", "score"},
	"text-ranking":                   {"text", "score"},
	"feature-extraction":             {"text", "embedding"},
	"image-classification":           {"image", "label"},
	"zero-shot-image-classification": {"image,text", "label"},
	"object-detection":               {"image", "bounding boxes"},
	"image-segmentation":             {"image", "mask"},
	"mask-generation":                {"image", "mask"},
	"depth-estimation":               {"image", "image"},
	"image-to-text":                  {"image", "text"},
	"image-text-to-text":             {"image,text", "text"},
	"visual-question-answering":      {"image,text", "text"},
	"text-to-image":                  {"text", "image"},
	"image-to-image":                 {"image", "image"},
	"automatic-speech-recognition":   {"audio", "text"},
	"text-to-speech":                 {"text", "audio"},
	"text-to-audio":                  {"text", "audio"},
	"audio-classification":           {"audio", "label"},
	"video-classification":           {"video", "label"},
	"text-to-video":                  {"text", "video"},
	"tabular-classification":         {"tabular", "label"},
	"tabular-regression":             {"tabular", "number"},
	"time-series-forecasting":        {"time-series", "time-series"},
}

func (c *Card) quantitativeAnalysis() *cdx.MLQuantitativeAnalysis {
	var ms []cdx.MLPerformanceMetric
	for _, mi := range c.ModelIndex {
		for _, r := range mi.Results {
			for _, m := range r.Metrics {
				typ := firstNonEmpty(m.Type, m.Name)
				if typ == "" || m.Value == "" {
					continue
				}
				ms = append(ms, cdx.MLPerformanceMetric{Type: typ, Value: m.Value, Slice: r.slice()})
			}
		}
	}
	if len(ms) == 0 {
		return nil
	}
	return &cdx.MLQuantitativeAnalysis{PerformanceMetrics: &ms}
}

// slice names what a metric was measured on: the dataset's display name,
// then, in parentheses, the bom-ref of its data component and its config,
// split and revision, e.g. "MTEB Banking77Classification
// (dataset:hf/mteb/banking77, split test, revision 0fd18e25)".
func (r Result) slice() string {
	id := hubID(firstNonEmpty(r.Dataset.Type, r.Dataset.Name), "https://huggingface.co/datasets/")
	if id == "" {
		return ""
	}
	parts := []string{DatasetRef(id)}
	for _, kv := range [][2]string{{"config", r.Dataset.Config}, {"split", r.Dataset.Split}, {"revision", r.Dataset.Revision}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	return firstNonEmpty(r.Dataset.Name, id) + " (" + strings.Join(parts, ", ") + ")"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
