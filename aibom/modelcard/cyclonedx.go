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
// order they appear: the datasets list, then the datasets of model-index
// results (their id, or their display name when the id is missing). These
// are the datasets ModelCard refers to with DatasetRef.
func (c *Card) DatasetNames() []string {
	if c == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		id := hubID(n, "https://huggingface.co/datasets/")
		if id != "" && !seen[DatasetRef(id)] && len(out) < maxListItems {
			seen[DatasetRef(id)] = true
			out = append(out, id)
		}
	}
	for _, d := range c.Datasets {
		add(d)
	}
	for _, mi := range c.ModelIndex {
		for _, r := range mi.Results {
			add(firstNonEmpty(r.Dataset.Type, r.Dataset.Name))
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
	p := &cdx.MLModelParameters{Task: c.PipelineTag}
	if p.Task == "" {
		p.Task = c.evalTask()
	}
	if cfg != nil {
		p.ArchitectureFamily = cfg.ModelType
		if len(cfg.Architectures) > 0 {
			p.ModelArchitecture = cfg.Architectures[0]
		}
	}
	if names := c.DatasetNames(); len(names) > 0 {
		ds := make([]cdx.MLDatasetChoice, len(names))
		for i, n := range names {
			ds[i] = cdx.MLDatasetChoice{Ref: DatasetRef(n)}
		}
		p.Datasets = &ds
	}
	if f, ok := pipelineIO[c.PipelineTag]; ok {
		p.Inputs, p.Outputs = formats(f[0]), formats(f[1])
	}
	if *p == (cdx.MLModelParameters{}) {
		return nil
	}
	return p
}

// evalTask is the task of the card's first evaluation result, if any.
func (c *Card) evalTask() string {
	for _, mi := range c.ModelIndex {
		for _, r := range mi.Results {
			if r.TaskType != "" {
				return r.TaskType
			}
		}
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
				ms = append(ms, cdx.MLPerformanceMetric{
					Type:  typ,
					Value: m.Value,
					Slice: firstNonEmpty(r.Dataset.Name, r.Dataset.Type),
				})
			}
		}
	}
	if len(ms) == 0 {
		return nil
	}
	return &cdx.MLQuantitativeAnalysis{PerformanceMetrics: &ms}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
