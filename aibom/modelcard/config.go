package modelcard

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
)

// Config is what a transformers config.json says about the model's
// architecture. Zero values mean the file does not say.
type Config struct {
	Architectures       []string // e.g. ["LlamaForCausalLM"]
	ModelType           string   // e.g. "llama"
	DType               string   // torch_dtype, or dtype in newer files
	ContextLength       int64    // the first of ContextKeys the file sets
	ContextLengthKey    string   // which key ContextLength came from
	HiddenSize          int64
	NumHiddenLayers     int64
	NumAttentionHeads   int64
	VocabSize           int64
	TransformersVersion string
	Quantization        *Quantization
}

// ContextKeys are the config.json keys that give the context length, in the
// order they are looked for.
var ContextKeys = []string{"max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "context_length", "n_ctx"}

// Quantization is a config.json quantization_config.
type Quantization struct {
	Method    string // quant_method: "gptq", "awq", "bitsandbytes", "fp8", ...
	Bits      int64  // bits, or 4/8 for bitsandbytes load_in_4bit/load_in_8bit
	GroupSize int64  // group_size
	Type      string // bnb_4bit_quant_type, fmt or quant_type when given
}

// jsonObject is a decoded JSON object whose values are decoded on demand,
// so that a value of an unexpected type skips one field, not the file.
type jsonObject map[string]json.RawMessage

// ParseConfig parses a transformers config.json. For multimodal models whose
// language model is described under text_config, fields missing at the top
// level are taken from there. Any JSON object is accepted; a file that is not
// one gives an error, as does a file larger than MaxConfigSize.
func ParseConfig(r io.Reader, name string) (*Config, error) {
	obj, err := decodeObject(r, name, MaxConfigSize)
	if err != nil {
		return nil, err
	}
	var text jsonObject
	_ = json.Unmarshal(obj["text_config"], &text) // absent or not an object: no fallback
	c := &Config{
		Architectures:       obj.strList("architectures"),
		ModelType:           obj.str("model_type"),
		DType:               obj.str("torch_dtype"),
		TransformersVersion: obj.str("transformers_version"),
		Quantization:        quantization(obj["quantization_config"]),
	}
	if c.DType == "" {
		c.DType = obj.str("dtype")
	}
	for _, o := range []jsonObject{obj, text} {
		c.ContextLength, c.ContextLengthKey = firstInt(c.ContextLength, c.ContextLengthKey, o, ContextKeys)
		c.HiddenSize = orInt(c.HiddenSize, o, "hidden_size", "n_embd", "d_model")
		c.NumHiddenLayers = orInt(c.NumHiddenLayers, o, "num_hidden_layers", "n_layer", "num_layers")
		c.NumAttentionHeads = orInt(c.NumAttentionHeads, o, "num_attention_heads", "n_head", "num_heads")
		c.VocabSize = orInt(c.VocabSize, o, "vocab_size")
		if c.DType == "" {
			c.DType = o.str("torch_dtype")
		}
	}
	return c, nil
}

func firstInt(have int64, haveKey string, o jsonObject, keys []string) (int64, string) {
	if have != 0 {
		return have, haveKey
	}
	for _, k := range keys {
		if v := o.int(k); v > 0 {
			return v, k
		}
	}
	return 0, ""
}

func orInt(have int64, o jsonObject, keys ...string) int64 {
	v, _ := firstInt(have, "", o, keys)
	return v
}

func quantization(raw json.RawMessage) *Quantization {
	var o jsonObject
	if json.Unmarshal(raw, &o) != nil || len(o) == 0 {
		return nil
	}
	q := &Quantization{
		Method:    o.str("quant_method"),
		Bits:      o.int("bits"),
		GroupSize: o.int("group_size"),
		Type:      o.str("bnb_4bit_quant_type"),
	}
	switch {
	case q.Bits != 0:
	case o.bool("load_in_4bit") != nil && *o.bool("load_in_4bit"):
		q.Bits = 4
	case o.bool("load_in_8bit") != nil && *o.bool("load_in_8bit"):
		q.Bits = 8
	}
	for _, k := range []string{"fmt", "quant_type"} {
		if q.Type == "" {
			q.Type = o.str(k)
		}
	}
	return q
}

// decodeObject reads at most limit bytes of r and decodes one JSON object.
func decodeObject(r io.Reader, name string, limit int64) (jsonObject, error) {
	data, err := readLimited(r, name, limit)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var obj jsonObject
	if err := json.Unmarshal(data, &obj); err != nil {
		se := &SyntaxError{Name: name, Msg: err.Error(), Err: err}
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			se.Offset = syn.Offset
		case errors.As(err, &typ):
			se.Offset, se.Msg, se.Err = typ.Offset, "not a JSON object", errors.Join(ErrNotObject, err)
		}
		return nil, se
	}
	if obj == nil { // the file is "null"
		return nil, &SyntaxError{Name: name, Msg: "not a JSON object", Err: ErrNotObject}
	}
	return obj, nil
}

func (o jsonObject) str(key string) string {
	var s string
	if json.Unmarshal(o[key], &s) != nil {
		return ""
	}
	return truncate(s, maxScalarLen)
}

// strList accepts a string or an array of strings (non-strings are skipped).
func (o jsonObject) strList(key string) []string {
	if s := o.str(key); s != "" {
		return []string{s}
	}
	var raw []json.RawMessage
	if json.Unmarshal(o[key], &raw) != nil {
		return nil
	}
	var out []string
	for _, item := range raw[:min(len(raw), maxListItems)] {
		var s string
		if json.Unmarshal(item, &s) == nil && s != "" {
			out = append(out, truncate(s, maxScalarLen))
		}
	}
	return out
}

// int accepts an integral JSON number (1024 or 1024.0) within int64.
func (o jsonObject) int(key string) int64 {
	f, ok := o.float(key)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0
	}
	return int64(f)
}

func (o jsonObject) float(key string) (float64, bool) {
	var n json.Number
	if json.Unmarshal(o[key], &n) != nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func (o jsonObject) bool(key string) *bool {
	var b bool
	if json.Unmarshal(o[key], &b) != nil {
		return nil
	}
	return &b
}
