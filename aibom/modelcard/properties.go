package modelcard

import (
	"strconv"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// maxTagProps bounds how many card tags become properties.
const maxTagProps = 32

// Properties of the model component that relate it to the datasets its
// card names, by the datasets' bom-refs (DatasetRef): the card's datasets
// list says what it was trained on, its model-index results what it was
// evaluated on. A dataset may be both.
const (
	PropDatasetTraining   = "aibom:card:dataset:training"
	PropDatasetEvaluation = "aibom:card:dataset:evaluation"
	// PropMetricsOmitted counts the model-index metrics over MaxMetrics
	// that the model card leaves out.
	PropMetricsOmitted = "aibom:card:metrics_omitted"
)

// props collects properties, skipping empty values.
type props []cdx.Property

func (p *props) add(name, value string) {
	if value != "" {
		*p = append(*p, cdx.Property{Name: name, Value: value})
	}
}

func (p *props) addInt(name string, v int64) {
	if v != 0 {
		p.add(name, strconv.FormatInt(v, 10))
	}
}

func (p *props) addFloat(name string, v *float64) {
	if v != nil {
		p.add(name, strconv.FormatFloat(*v, 'g', -1, 64))
	}
}

func (p *props) addBool(name string, v *bool) {
	if v != nil {
		p.add(name, strconv.FormatBool(*v))
	}
}

// Properties returns what the card, config.json and generation_config.json
// say that has no place in a CycloneDX model card, as component properties
// named aibom:card:*, aibom:config:* and aibom:generation:* (cyclonedx-go's
// MLModelCard has no properties, so the caller attaches these to the model
// component). A field with several values gives one property per value.
// Any argument may be nil; the order is fixed.
func Properties(card *Card, cfg *Config, gen *GenerationConfig) []cdx.Property {
	var p props
	if card != nil {
		p.cardProps(card)
	}
	if cfg != nil {
		p.configProps(cfg)
	}
	if gen != nil {
		p.addInt("aibom:generation:max_new_tokens", gen.MaxNewTokens)
		p.addInt("aibom:generation:max_length", gen.MaxLength)
		p.addInt("aibom:generation:top_k", gen.TopK)
		p.addFloat("aibom:generation:temperature", gen.Temperature)
		p.addFloat("aibom:generation:top_p", gen.TopP)
		p.addFloat("aibom:generation:repetition_penalty", gen.RepetitionPenalty)
		p.addBool("aibom:generation:do_sample", gen.DoSample)
		p.add("aibom:generation:transformers_version", gen.TransformersVersion)
	}
	return p
}

func (p *props) cardProps(c *Card) {
	p.add("aibom:card:library_name", c.LibraryName)
	p.add("aibom:card:pipeline_tag", c.PipelineTag)
	for _, l := range c.License {
		p.add("aibom:card:license", l)
	}
	p.add("aibom:card:license_name", c.LicenseName)
	p.add("aibom:card:license_link", c.LicenseLink)
	for _, l := range c.Language {
		p.add("aibom:card:language", l)
	}
	for _, b := range c.BaseModel {
		p.add("aibom:card:base_model", b)
	}
	p.add("aibom:card:base_model_relation", c.BaseModelRelation)
	for _, m := range c.Metrics {
		p.add("aibom:card:metric", m)
	}
	for i, t := range c.Tags {
		if i == maxTagProps {
			break
		}
		p.add("aibom:card:tag", t)
	}
	for _, d := range c.TrainingDatasets() {
		p.add(PropDatasetTraining, DatasetRef(d))
	}
	for _, d := range c.EvaluationDatasets() {
		p.add(PropDatasetEvaluation, DatasetRef(d))
	}
	switch {
	case c.MetricsOmittedAtLeast:
		p.add(PropMetricsOmitted, "at least "+strconv.Itoa(c.MetricsOmitted))
	case c.MetricsOmitted > 0:
		p.add(PropMetricsOmitted, strconv.Itoa(c.MetricsOmitted))
	}
	p.add("aibom:card:model_name", c.ModelName)
	p.add("aibom:card:model_creator", c.ModelCreator)
	p.add("aibom:card:quantized_by", c.QuantizedBy)
	p.addBool("aibom:card:inference", c.Inference)
}

func (p *props) configProps(c *Config) {
	for _, a := range c.Architectures {
		p.add("aibom:config:architecture", a)
	}
	p.add("aibom:config:model_type", c.ModelType)
	p.add("aibom:config:torch_dtype", c.DType)
	p.addInt("aibom:config:context_length", c.ContextLength)
	p.add("aibom:config:context_length_key", c.ContextLengthKey)
	p.addInt("aibom:config:hidden_size", c.HiddenSize)
	p.addInt("aibom:config:num_hidden_layers", c.NumHiddenLayers)
	p.addInt("aibom:config:num_attention_heads", c.NumAttentionHeads)
	p.addInt("aibom:config:vocab_size", c.VocabSize)
	p.add("aibom:config:transformers_version", c.TransformersVersion)
	if q := c.Quantization; q != nil {
		p.add("aibom:config:quantization:quant_method", q.Method)
		p.addInt("aibom:config:quantization:bits", q.Bits)
		p.addInt("aibom:config:quantization:group_size", q.GroupSize)
		p.add("aibom:config:quantization:type", q.Type)
	}
}

// Properties returns the adapter config as aibom:adapter:* properties, for
// the adapter's own model component.
func (a *Adapter) Properties() []cdx.Property {
	if a == nil {
		return nil
	}
	var p props
	p.add("aibom:adapter:peft_type", a.PeftType)
	p.add("aibom:adapter:base_model", a.BaseModel)
	p.add("aibom:adapter:revision", a.Revision)
	p.add("aibom:adapter:task_type", a.TaskType)
	p.addInt("aibom:adapter:r", a.R)
	if a.LoraAlpha != 0 {
		p.add("aibom:adapter:lora_alpha", strconv.FormatFloat(a.LoraAlpha, 'g', -1, 64))
	}
	for _, m := range a.TargetModules {
		p.add("aibom:adapter:target_module", m)
	}
	return p
}
