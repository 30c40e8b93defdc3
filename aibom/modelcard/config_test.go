package modelcard

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, in string
		want           *Config
	}{
		{name: "llama3", file: "llama3-config.json", want: &Config{
			Architectures: []string{"LlamaForCausalLM"}, ModelType: "llama", DType: "bfloat16",
			ContextLength: 8192, ContextLengthKey: "max_position_embeddings", HiddenSize: 4096,
			NumHiddenLayers: 32, NumAttentionHeads: 32, VocabSize: 128256, TransformersVersion: "4.40.0.dev0",
		}},
		{name: "bert", file: "bert-config.json", want: &Config{
			Architectures: []string{"BertForQuestionAnswering"}, ModelType: "bert",
			ContextLength: 512, ContextLengthKey: "max_position_embeddings", HiddenSize: 768,
			NumHiddenLayers: 12, NumAttentionHeads: 12, VocabSize: 28996, TransformersVersion: "4.6.0",
		}},
		{name: "gptq", file: "gptq-config.json", want: &Config{
			Architectures: []string{"MistralForCausalLM"}, ModelType: "mistral", DType: "float16",
			ContextLength: 32768, ContextLengthKey: "max_position_embeddings", HiddenSize: 4096,
			NumHiddenLayers: 32, NumAttentionHeads: 32, VocabSize: 32000, TransformersVersion: "4.37.0.dev0",
			Quantization: &Quantization{Method: "gptq", Bits: 4, GroupSize: 128},
		}},
		{name: "gpt2 keys", in: `{"architectures":"GPT2LMHeadModel","model_type":"gpt2","n_positions":1024,"n_embd":768,"n_layer":12,"n_head":12,"dtype":"float32"}`,
			want: &Config{Architectures: []string{"GPT2LMHeadModel"}, ModelType: "gpt2", DType: "float32",
				ContextLength: 1024, ContextLengthKey: "n_positions", HiddenSize: 768, NumHiddenLayers: 12, NumAttentionHeads: 12}},
		{name: "multimodal text_config", in: `{"architectures":["LlavaForConditionalGeneration"],"model_type":"llava",
			"text_config":{"max_position_embeddings":4096,"hidden_size":4096,"num_hidden_layers":32,"vocab_size":32064,"torch_dtype":"float16"}}`,
			want: &Config{Architectures: []string{"LlavaForConditionalGeneration"}, ModelType: "llava", DType: "float16",
				ContextLength: 4096, ContextLengthKey: "max_position_embeddings", HiddenSize: 4096, NumHiddenLayers: 32, VocabSize: 32064}},
		{name: "bitsandbytes", in: `{"quantization_config":{"quant_method":"bitsandbytes","load_in_4bit":true,"bnb_4bit_quant_type":"nf4"}}`,
			want: &Config{Quantization: &Quantization{Method: "bitsandbytes", Bits: 4, Type: "nf4"}}},
		{name: "wrong types tolerated", in: `{"architectures":[1,"A",null],"model_type":7,"max_position_embeddings":"8k",
			"n_positions":2048.0,"hidden_size":1.5,"vocab_size":1e300,"num_hidden_layers":-1,"quantization_config":[]}`,
			want: &Config{Architectures: []string{"A"}, ContextLength: 2048, ContextLengthKey: "n_positions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *Config
			var err error
			if tt.file != "" {
				got, err = ParseConfig(openTestdata(t, tt.file), tt.file)
			} else {
				got, err = ParseConfig(strings.NewReader(tt.in), "config.json")
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		offset   int64
		is       error
	}{
		{"syntax", `{"a": 1,, }`, 9, nil},
		{"array", `[1, 2]`, 1, ErrNotObject},
		{"null", `null`, 0, ErrNotObject},
		{"truncated", `{"a": [`, 7, nil},
		{"too large", `{"a": "` + strings.Repeat("x", MaxConfigSize) + `"}`, 0, safeio.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseConfig(strings.NewReader(tt.in), "config.json")
			if c != nil || err == nil || !strings.Contains(err.Error(), "config.json") {
				t.Fatalf("got %v, %v; want nil and an error naming the file", c, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			var se *SyntaxError
			if errors.As(err, &se) && se.Offset != tt.offset {
				t.Errorf("error %v: offset %d, want %d", err, se.Offset, tt.offset)
			}
		})
	}
}

func TestParseGenerationConfig(t *testing.T) {
	t.Parallel()
	got, err := ParseGenerationConfig(openTestdata(t, "llama3-generation_config.json"), "generation_config.json")
	if err != nil {
		t.Fatal(err)
	}
	temp, topP, yes := 0.6, 0.9, true
	want := &GenerationConfig{MaxLength: 4096, Temperature: &temp, TopP: &topP, DoSample: &yes, TransformersVersion: "4.40.0.dev0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if _, err := ParseGenerationConfig(strings.NewReader(strings.Repeat(" ", MaxSmallConfig+1)), "g.json"); !errors.Is(err, safeio.ErrTooLarge) {
		t.Errorf("oversized file: %v, want safeio.ErrTooLarge", err)
	}
}

func TestParseAdapter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, in string
		want           *Adapter
	}{
		{name: "qlora", file: "lora-adapter_config.json", want: &Adapter{PeftType: "LORA", BaseModel: "meta-llama/Llama-2-7b-hf",
			TaskType: "CAUSAL_LM", R: 64, LoraAlpha: 16, TargetModules: []string{"q_proj", "v_proj"}}},
		{name: "regex target", in: `{"peft_type":"LORA","base_model_name_or_path":"/data/llama","revision":"main","r":8,"lora_alpha":16.5,"target_modules":".*proj"}`,
			want: &Adapter{PeftType: "LORA", BaseModel: "/data/llama", Revision: "main", R: 8, LoraAlpha: 16.5, TargetModules: []string{".*proj"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *Adapter
			var err error
			if tt.file != "" {
				got, err = ParseAdapter(openTestdata(t, tt.file), tt.file)
			} else {
				got, err = ParseAdapter(strings.NewReader(tt.in), "adapter_config.json")
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseWeightIndex(t *testing.T) {
	idx, err := ParseWeightIndex(strings.NewReader(`{"metadata": {"total_size": 4096},
		"weight_map": {"b": "model-00002-of-00002.safetensors", "a": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"}}`), "i.json")
	if err != nil {
		t.Fatal(err)
	}
	if idx.TotalSize != 4096 || idx.Tensors != 3 || len(idx.Shards) != 2 ||
		strings.Join(idx.Shards["model-00002-of-00002.safetensors"], ",") != "b,c" {
		t.Errorf("index %+v", idx)
	}
	for doc, want := range map[string]string{
		`{"weight_map": {"a": "../../etc/passwd"}}`: "leave the folder",
		`{"weight_map": {"a": "/abs"}}`:             "leave the folder",
		`{"weight_map": 3}`:                         "weight_map is not",
		`{"metadata": {}}`:                          "no weight_map",
		`[1]`:                                       "not a JSON object",
	} {
		if _, err := ParseWeightIndex(strings.NewReader(doc), "i.json"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
}
