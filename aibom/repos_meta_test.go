package aibom

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// TestGGUFModelfile: when a GGUF file is the model, its header reaches the
// model (architecture, quantization, context length); the Ollama
// Modelfile's FROM, parameters and system prompt are recorded.
func TestGGUFModelfile(t *testing.T) {
	t.Parallel()
	dir := repoDir(t, "gguf-ollama", false)
	b, err := os.ReadFile(filepath.Join("..", "testdata", "models", "gguf", "benign.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tiny-chat-1b.Q8_0.gguf"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	res := generate(t, dir)
	if len(res.Problems) != 0 {
		t.Errorf("problems %v", res.Problems)
	}
	m := *res.BOM.Metadata.Component
	p := props(m)
	file := props(component(t, res.BOM, fileRef("tiny-chat-1b.Q8_0.gguf")))
	for _, k := range []string{"aibom:gguf:architecture", "aibom:gguf:file_type", "aibom:gguf:context_length"} {
		if file[k] == "" || p[k] != file[k] {
			t.Errorf("%s: model %q, file %q", k, p[k], file[k])
		}
	}
	if architecture(m) != file["aibom:gguf:architecture"] {
		t.Errorf("architecture %q", architecture(m))
	}
	if p[propOllamaPrefix+"from"] != "./tiny-chat-1b.Q8_0.gguf" || p[propOllamaPrefix+"parameter:temperature"] != "0.6" ||
		p[propOllamaPrefix+"system"] != "You are a helpful assistant." || p[propOllamaPrefix+"template"] != "present" {
		t.Errorf("Modelfile properties %v", p)
	}
	var stops []string
	for _, pr := range *m.Properties {
		if pr.Name == propOllamaPrefix+"parameter:stop" {
			stops = append(stops, pr.Value)
		}
	}
	if !slices.Equal(stops, []string{"<|user|>", "</s>"}) {
		t.Errorf("stop parameters %v", stops)
	}
	if props(component(t, res.BOM, fileRef("Modelfile")))[propFileRole] != "config" {
		t.Error("Modelfile role")
	}
	// Complete: no problems, nothing absent.
	comps := *res.BOM.Compositions
	if comps[0].Aggregate != cdx.CompositionAggregateComplete {
		t.Errorf("composition %+v", comps[0])
	}
}

// TestTrainerState: trainer_state.json describes the training run.
func TestTrainerState(t *testing.T) {
	t.Parallel()
	res := generateRepo(t, "lora-adapter", true)
	p := props(*res.BOM.Metadata.Component)
	want := map[string]string{"global_step": "1875", "epoch": "3", "final_loss": "1.3311", "final_eval_loss": "1.2461",
		"train_batch_size": "4", "best_checkpoint": "./output/checkpoint-1875"}
	for k, v := range want {
		if p[propTrainingPrefix+k] != v {
			t.Errorf("%s = %q, want %q", k, p[propTrainingPrefix+k], v)
		}
	}
}

// TestCompositions: the BOM says how complete it is: incomplete with
// problems, and which files' content is absent.
func TestCompositions(t *testing.T) {
	t.Parallel()
	res := generateRepo(t, "encoder-qa", false)
	comps := *res.BOM.Compositions
	if comps[0].Aggregate != cdx.CompositionAggregateIncomplete {
		t.Errorf("model composition %+v with %d problems", comps[0], len(res.Problems))
	}
	var absent []cdx.BOMReference
	for _, c := range comps {
		if c.BOMRef == "composition:absent-content" {
			absent = *c.Assemblies
		}
	}
	want := []cdx.BOMReference{"file:model.safetensors", "file:onnx/model.onnx", "file:pytorch_model.bin"}
	if !slices.Equal(absent, want) {
		t.Errorf("absent %v, want %v", absent, want)
	}
	res = generateRepo(t, "encoder-qa", true)
	if c := (*res.BOM.Compositions)[0]; c.Aggregate != cdx.CompositionAggregateComplete || len(res.Problems) != 0 {
		t.Errorf("with weights: %+v, problems %v", c, res.Problems)
	}
}
