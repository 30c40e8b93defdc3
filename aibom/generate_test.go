package aibom

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
)

func modelDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny")
	files := map[string]string{
		"config.json":       `{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}`,
		"tokenizer.json":    `{"version": "1.0"}`,
		"pytorch_model.bin": "\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.",
		"README.md":         "---\nlicense: mit\n---\n# tiny\n",
	}
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func generate(t *testing.T, dir string) *Result {
	t.Helper()
	src, err := source.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(context.Background(), src, WithTime(time.Unix(0, 0)),
		WithSerialNumber("urn:uuid:00000000-0000-4000-8000-000000000000"), WithToolVersion("test"))
	if err != nil {
		t.Fatal(err)
	}
	validate(t, res.BOM) // every BOM a test generates, in every format with a schema
	return res
}

func encode(t *testing.T, bom *cdx.BOM, f Format, v cdx.SpecVersion) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, bom, f, v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	res := generate(t, modelDir(t))
	bom := res.BOM
	if bom.Metadata.Component.Type != cdx.ComponentTypeMachineLearningModel || bom.Metadata.Component.Name != "tiny" {
		t.Errorf("model component %+v", bom.Metadata.Component)
	}
	if len(*bom.Components) != 4 {
		t.Fatalf("%d components, want one per file", len(*bom.Components))
	}
	roles := map[string]string{}
	for _, c := range *bom.Components {
		if c.Hashes == nil || len((*c.Hashes)[0].Value) != 64 {
			t.Errorf("%s: no SHA-256", c.Name)
		}
		for _, p := range *c.Properties {
			if p.Name == "aibom:file:role" {
				roles[c.Name] = p.Value
			}
		}
	}
	want := map[string]string{"config.json": "config", "tokenizer.json": "tokenizer", "pytorch_model.bin": "weights", "README.md": "card"}
	for name, role := range want {
		if roles[name] != role {
			t.Errorf("%s: role %q, want %q", name, roles[name], role)
		}
	}
	if bom.Vulnerabilities == nil || len(*bom.Vulnerabilities) == 0 {
		t.Fatal("the malicious pickle's findings are not in the BOM")
	}
	v := (*bom.Vulnerabilities)[0]
	if v.ID != "PICKLE-DANGEROUS-GLOBAL" || (*v.Affects)[0].Ref != "file:pytorch_model.bin" || (*v.Ratings)[0].Severity != cdx.SeverityCritical {
		t.Errorf("vulnerability %+v", v)
	}
	deps := *bom.Dependencies
	if deps[0].Ref != "model:tiny" || len(*deps[0].Dependencies) != 4 {
		t.Errorf("dependencies %+v", deps[0])
	}
}

func TestReproducible(t *testing.T) {
	t.Parallel()
	dir := modelDir(t)
	for _, f := range []Format{CycloneDXJSON, CycloneDXXML} {
		a := encode(t, generate(t, dir).BOM, f, cdx.SpecVersion1_6)
		b := encode(t, generate(t, dir).BOM, f, cdx.SpecVersion1_6)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two runs differ", f)
		}
	}
	// A changed file changes the BOM.
	a := encode(t, generate(t, dir).BOM, CycloneDXJSON, cdx.SpecVersion1_6)
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(`{"version": "1.1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if b := encode(t, generate(t, dir).BOM, CycloneDXJSON, cdx.SpecVersion1_6); bytes.Equal(a, b) {
		t.Error("a changed tokenizer did not change the BOM")
	}
}

func TestSpecVersions(t *testing.T) {
	t.Parallel()
	bom := generate(t, modelDir(t)).BOM
	for _, s := range []string{"1.6", "1.7"} {
		v, err := ParseSpecVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(encode(t, bom, CycloneDXJSON, v), &doc); err != nil || doc["specVersion"] != s {
			t.Errorf("%s: %v %v", s, err, doc["specVersion"])
		}
	}
	if _, err := ParseSpecVersion("1.4"); err == nil {
		t.Error("1.4 accepted: it has no machine-learning fields")
	}
	if !strings.Contains(string(encode(t, bom, CycloneDXXML, cdx.SpecVersion1_6)), "<bom ") {
		t.Error("XML output lacks <bom>")
	}
}

func props(c cdx.Component) map[string]string {
	m := map[string]string{}
	if c.Properties != nil {
		for _, p := range *c.Properties {
			m[p.Name] = p.Value
		}
	}
	return m
}

func TestWeightHeaders(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "m")
	for dst, src := range map[string]string{"model.safetensors": "safetensors/model.safetensors", "model.onnx": "onnx/benign.onnx",
		"model.gguf": "gguf/benign.gguf", "model.h5": "keras/sequential_vlen.h5", "model.tflite": "tflite/benign.tflite",
		"saved_model.pb": "tensorflow/tf2_benign/saved_model.pb"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "models", src))
		if err != nil {
			t.Fatal(err)
		}
		_ = os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := source.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(context.Background(), s, WithTensors(), WithTime(time.Unix(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	model := props(*res.BOM.Metadata.Component)
	if model["aibom:model:parameters"] == "" || model["aibom:model:parameters:F32"] != "8" {
		t.Errorf("model totals %v", model)
	}
	for _, c := range *res.BOM.Components {
		p := props(c)
		switch c.Name {
		case "model.safetensors":
			if p["aibom:weights:parameters"] != "8" || p["aibom:tensor:fc.weight"] != "F32 [2 3]" {
				t.Errorf("safetensors %v", p)
			}
		case "model.gguf":
			if p["aibom:gguf:architecture"] != "llama" || len(p["aibom:gguf:chat_template:default:sha256"]) != 64 {
				t.Errorf("gguf %v", p)
			}
		case "model.h5":
			if p["aibom:keras:model_class"] != "Sequential" || p["aibom:keras:layers"] == "" {
				t.Errorf("keras %v", p)
			}
		case "model.tflite":
			if p["aibom:tflite:version"] != "3" {
				t.Errorf("tflite %v", p)
			}
		case "saved_model.pb":
			if !strings.Contains(p["aibom:tensorflow:metagraph:0:tags"], "serve") {
				t.Errorf("tensorflow %v", p)
			}
		case "model.onnx":
			if !strings.Contains(p["aibom:onnx:opsets"], "ai.onnx:17") || p["aibom:onnx:nodes"] == "" {
				t.Errorf("onnx %v", p)
			}
		}
	}
}

func TestRole(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ path, format, want string }{
		{"model.safetensors", "safetensors", "weights"},
		{"renamed.bin", "pickle", "weights"},
		{"chat_template.jinja", "chat-template", "chat-template"},
		{"templates/tool_use.jinja", "unknown", "chat-template"},
		{"tokenizer_config.json", "chat-template", "tokenizer"},
		{"tokenizer.json", "unknown", "tokenizer"},
		{"config.json", "unknown", "config"},
		{"README.md", "unknown", "card"},
		{"data/train.parquet", "unknown", "dataset"},
		{"modeling_x.py", "unknown", "code"},
		{"notes.txt", "unknown", "other"},
		{"manual.zip", "zip", "container"},
		{"src.tar.gz", "gzip", "container"},
		{"model.joblib", "joblib", "weights"},
		{"scripted.pt", "torchscript", "weights"},
	} {
		if got := Role(tc.path, tc.format); got != tc.want {
			t.Errorf("Role(%s, %s) = %s, want %s", tc.path, tc.format, got, tc.want)
		}
	}
}

// TestDescribeUsesScanMetadata: the header the scanner parsed is used as
// is (describe takes no file: it cannot read one again), and a scan that
// handed nothing over gives nothing.
func TestDescribeUsesScanMetadata(t *testing.T) {
	t.Parallel()
	r := runner.New()
	src, err := source.Open(context.Background(), "../testdata/models/safetensors/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	files, _, err := source.List(context.Background(), src)
	if err != nil || len(files) != 1 {
		t.Fatal(files, err)
	}
	res := r.ScanEntry(context.Background(), files[0].Entry)
	if res.Metadata == nil {
		t.Fatal("no metadata from the safetensors scanner")
	}
	if wi := describe(res); wi == nil || len(wi.tensors) == 0 || wi.params["F32"] == 0 {
		t.Fatalf("describe: %+v", wi)
	}
	res.Metadata = nil
	if wi := describe(res); wi != nil {
		t.Errorf("describe without metadata: %+v", wi)
	}
}
