package modelcard

import "io"

// GenerationConfig holds the generation_config.json fields worth recording:
// the defaults that shape what the model outputs. Zero values and nil
// pointers mean the file does not set the field.
type GenerationConfig struct {
	MaxNewTokens        int64
	MaxLength           int64
	TopK                int64
	Temperature         *float64
	TopP                *float64
	RepetitionPenalty   *float64
	DoSample            *bool
	TransformersVersion string
}

// ParseGenerationConfig parses a transformers generation_config.json of at
// most MaxSmallConfig bytes.
func ParseGenerationConfig(r io.Reader, name string) (*GenerationConfig, error) {
	obj, err := decodeObject(r, name, MaxSmallConfig)
	if err != nil {
		return nil, err
	}
	g := &GenerationConfig{
		MaxNewTokens:        obj.int("max_new_tokens"),
		MaxLength:           obj.int("max_length"),
		TopK:                obj.int("top_k"),
		Temperature:         obj.floatPtr("temperature"),
		TopP:                obj.floatPtr("top_p"),
		RepetitionPenalty:   obj.floatPtr("repetition_penalty"),
		DoSample:            obj.bool("do_sample"),
		TransformersVersion: obj.str("transformers_version"),
	}
	return g, nil
}

func (o jsonObject) floatPtr(key string) *float64 {
	if f, ok := o.float(key); ok {
		return &f
	}
	return nil
}

// Adapter is a PEFT adapter_config.json: an adapter is a model of its own,
// trained on top of BaseModel.
type Adapter struct {
	PeftType      string   // e.g. "LORA"
	BaseModel     string   // base_model_name_or_path: a Hub id or a local path
	Revision      string   // revision of the base model, when pinned
	TaskType      string   // e.g. "CAUSAL_LM"
	R             int64    // LoRA rank
	LoraAlpha     float64  // LoRA scaling
	TargetModules []string // a list, or one regular expression
}

// ParseAdapter parses a PEFT adapter_config.json of at most MaxSmallConfig
// bytes.
func ParseAdapter(r io.Reader, name string) (*Adapter, error) {
	obj, err := decodeObject(r, name, MaxSmallConfig)
	if err != nil {
		return nil, err
	}
	a := &Adapter{
		PeftType:      obj.str("peft_type"),
		BaseModel:     obj.str("base_model_name_or_path"),
		Revision:      obj.str("revision"),
		TaskType:      obj.str("task_type"),
		R:             obj.int("r"),
		TargetModules: obj.strList("target_modules"),
	}
	a.LoraAlpha, _ = obj.float("lora_alpha")
	return a, nil
}
