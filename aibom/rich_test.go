package aibom

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/internal/bomschema"
	"github.com/seed-43c89ce6/aibom/internal/spdxschema"
)

// copyFile copies testdata (relative to the repository root) into dir.
func copyFile(t *testing.T, from, dir, to string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", from))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, to)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// validate encodes bom in JSON for both spec versions and validates it
// against the official CycloneDX schema, and encodes it as SPDX 3.0.1 and
// validates that against the SPDX schema.
func validate(t *testing.T, bom *cdx.BOM) {
	t.Helper()
	for _, v := range []string{"1.6", "1.7"} {
		sv, _ := ParseSpecVersion(v)
		if err := bomschema.Validate(encode(t, bom, CycloneDXJSON, sv), v); err != nil {
			t.Errorf("CycloneDX %s: %v", v, err)
		}
		validateXML(t, encode(t, bom, CycloneDXXML, sv), v)
	}
	if err := spdxschema.Validate(encode(t, bom, SPDXJSON, 0)); err != nil {
		t.Errorf("SPDX 3.0.1: %v", err)
	}
}

// validateXML validates a CycloneDX XML document against the official
// XSD with xmllint (skipped when xmllint is missing and CI is unset).
func validateXML(t *testing.T, doc []byte, v string) {
	t.Helper()
	err := bomschema.ValidateXML(context.Background(), doc, v, t.TempDir())
	if errors.Is(err, bomschema.ErrNoXMLLint) && os.Getenv("CI") == "" {
		t.Log("xmllint not installed: XML not validated")
		return
	}
	if err != nil {
		t.Errorf("CycloneDX %s XML: %v", v, err)
	}
}

// TestRichRepository generates the BOM of a Hugging Face-style repository
// with a real model card, config, generation config, a GGUF file and a
// local dataset holding (fake) personal data.
func TestRichRepository(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "Llama-3-8B-Instruct")
	copyFile(t, "aibom/modelcard/testdata/llama3-README.md", dir, "README.md")
	copyFile(t, "aibom/modelcard/testdata/llama3-config.json", dir, "config.json")
	copyFile(t, "aibom/modelcard/testdata/llama3-generation_config.json", dir, "generation_config.json")
	copyFile(t, "testdata/models/gguf/benign.gguf", dir, "model-q8_0.gguf")
	copyFile(t, "testdata/models/safetensors/model.safetensors", dir, "model.safetensors")
	for _, f := range []string{"README.md", "data/train.csv", "data/test.jsonl"} {
		copyFile(t, "testdata/datasets/pii/"+f, dir, "finetune-data/"+f)
	}
	src, err := source.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(context.Background(), src, WithTime(time.Unix(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 0 {
		t.Errorf("problems: %v", res.Problems)
	}
	validate(t, res.BOM)
	m := res.BOM.Metadata.Component
	if m.ModelCard == nil || m.ModelCard.ModelParameters == nil || m.ModelCard.ModelParameters.Task == "" {
		t.Errorf("model card %+v", m.ModelCard)
	}
	if m.Licenses == nil || len(*m.Licenses) == 0 {
		t.Error("no licenses from the card")
	}
	p := props(*m)
	if p["aibom:model:parameters"] == "" || p["aibom:config:model_type"] == "" {
		t.Errorf("model properties %v", p)
	}
	var pii bool
	for _, c := range *res.BOM.Components {
		if c.Type != cdx.ComponentTypeData || c.Data == nil {
			continue
		}
		d := (*c.Data)[0]
		if strings.HasPrefix(c.BOMRef, "dataset:local/") {
			pii = d.SensitiveData != nil && len(*d.SensitiveData) > 0 && strings.Contains(d.Classification, "pii")
			for _, s := range *d.SensitiveData {
				if strings.Contains(s, "@") {
					t.Errorf("a sensitive value leaked into the BOM: %q", s)
				}
			}
		}
	}
	if !pii {
		t.Error("the local dataset's personal data is not classified")
	}
}

func TestEveryGeneratedBOMValidates(t *testing.T) {
	t.Parallel()
	validate(t, generate(t, modelDir(t)).BOM)
	adapter := filepath.Join(t.TempDir(), "lora")
	copyFile(t, "aibom/modelcard/testdata/lora-README.md", adapter, "README.md")
	copyFile(t, "aibom/modelcard/testdata/lora-adapter_config.json", adapter, "adapter_config.json")
	res := generate(t, adapter)
	validate(t, res.BOM)
	m := res.BOM.Metadata.Component
	if m.Pedigree == nil || m.Pedigree.Ancestors == nil || len(*m.Pedigree.Ancestors) == 0 {
		t.Fatalf("adapter without its base model: %+v", m.Pedigree)
	}
	if rel := props((*m.Pedigree.Ancestors)[0])["aibom:lineage:relation"]; rel != "adapter" {
		t.Errorf("relation %q, want adapter", rel)
	}
	for _, card := range []string{"co2-README.md", "bert-squad2-README.md", "gguf-README.md", "malformed-README.md"} {
		dir := filepath.Join(t.TempDir(), "m")
		copyFile(t, "aibom/modelcard/testdata/"+card, dir, "README.md")
		copyFile(t, "aibom/modelcard/testdata/bert-config.json", dir, "config.json")
		res := generate(t, dir)
		validate(t, res.BOM)
		if card != "malformed-README.md" {
			continue
		}
		// A broken card is a problem naming the file and the line; the
		// BOM still describes the rest.
		if len(res.Problems) != 1 || res.Problems[0].Path != "README.md" || !strings.Contains(res.Problems[0].Err.Error(), "README.md:") {
			t.Errorf("problems for a malformed card: %v", res.Problems)
		}
		nfiles := 0
		for _, c := range *res.BOM.Components {
			if c.Type == cdx.ComponentTypeFile {
				nfiles++
			}
		}
		if nfiles != 2 || res.BOM.Metadata.Component.Licenses == nil {
			t.Errorf("%d file components and licenses %v: want README.md, config.json and the salvaged license",
				nfiles, res.BOM.Metadata.Component.Licenses)
		}
	}
}

// TestNeededLibraries checks the libraries the model's metadata says it
// needs: the card's library_name and config.json's transformers_version.
func TestNeededLibraries(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "proj")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"config.json": `{"model_type": "bert", "transformers_version": "4.41.2"}`,
		"README.md":   "---\nlibrary_name: peft\n---\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := generate(t, dir)
	validate(t, res.BOM)
	purls := map[string]string{}
	for _, c := range *res.BOM.Components {
		if c.Type == cdx.ComponentTypeLibrary {
			purls[c.PackageURL] = c.BOMRef
		}
	}
	for _, p := range []string{"pkg:pypi/transformers@4.41.2", "pkg:pypi/peft"} {
		if purls[p] == "" {
			t.Errorf("library %s missing (have %v)", p, purls)
		}
	}
	model := (*res.BOM.Dependencies)[0]
	deps := strings.Join(*model.Dependencies, " ")
	if !strings.Contains(deps, purls["pkg:pypi/transformers@4.41.2"]) || !strings.Contains(deps, purls["pkg:pypi/peft"]) {
		t.Errorf("the model does not depend on the libraries it needs: %s", deps)
	}
}

// TestProjectLibraries generates the BOM of a training project: syft's
// catalogers and aibom's own find the dependencies in its manifests, the
// model depends on what it asks for directly, and lock-file edges are kept.
func TestProjectLibraries(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "proj")
	for _, f := range []string{"requirements.txt", "pyproject.toml", "env/environment.yml", "uvproj/uv.lock",
		"venv/lib/python3.11/site-packages/safetensors-0.4.5.dist-info/METADATA", "conda/conda-meta/openssl-3.3.2-hb9d3cd8_0.json"} {
		copyFile(t, "aibom/libraries/testdata/project/"+f, dir, f)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("---\nlibrary_name: transformers\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := generate(t, dir)
	validate(t, res.BOM)
	if len(res.Problems) != 0 {
		t.Errorf("problems: %v", res.Problems)
	}
	libs := map[string]cdx.Component{}
	for _, c := range *res.BOM.Components {
		if c.Type == cdx.ComponentTypeLibrary {
			libs[c.PackageURL] = c
		}
	}
	if len(libs) < 20 {
		t.Fatalf("%d libraries: %v", len(libs), libs)
	}
	// transformers is named by the card and required by requirements.txt:
	// one component, with the constraint the manifest gives.
	tr, ok := libs["pkg:pypi/transformers"]
	if !ok || props(tr)["aibom:library:constraint"] != ">=4.44,<5" || props(tr)["aibom:library:manifest"] != "requirements.txt" {
		t.Errorf("transformers: %+v", tr)
	}
	deps := map[string][]string{}
	for _, d := range *res.BOM.Dependencies {
		if d.Dependencies != nil {
			deps[d.Ref] = *d.Dependencies
		} else {
			deps[d.Ref] = nil
		}
	}
	model := strings.Join(deps["model:proj"], " ")
	for _, want := range []string{tr.BOMRef, "library:pkg:pypi/torch@2.5.1", "library:pkg:conda/pytorch@2.4.1"} {
		if !strings.Contains(model, want) {
			t.Errorf("the model does not depend on %s: %s", want, model)
		}
	}
	// filelock comes in through torch (uv.lock), not directly.
	if strings.Contains(model, "filelock") {
		t.Errorf("a transitive dependency is listed as direct: %s", model)
	}
	if got := deps["library:pkg:pypi/torch@2.5.1"]; len(got) != 1 || got[0] != "library:pkg:pypi/filelock@3.16.1" {
		t.Errorf("torch depends on %v", got)
	}
	if _, ok := deps["library:pkg:pypi/filelock@3.16.1"]; !ok {
		t.Error("filelock has no dependency entry")
	}
}

// TestKitfileProject generates the BOM of a KitOps project: the Kitfile
// names the package, its authors and license, the model and its parts,
// the datasets, code and docs.
func TestKitfileProject(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "proj")
	copyFile(t, "aibom/kitfile/testdata/Kitfile", dir, "Kitfile")
	copyFile(t, "testdata/models/safetensors/model.safetensors", dir, "model/weights.safetensors")
	copyFile(t, "testdata/models/safetensors/model.safetensors", dir, "model/adapter/adapter_model.safetensors")
	copyFile(t, "testdata/datasets/pii/data/train.csv", dir, "data/reviews.csv")
	copyFile(t, "testdata/datasets/pii/data/test.jsonl", dir, "extra/more.jsonl")
	copyFile(t, "aibom/libraries/testdata/project/requirements.txt", dir, "src/requirements.txt")
	copyFile(t, "testdata/models/tflite/benign.tflite", dir, "images/cat.bin")
	res := generate(t, dir)
	validate(t, res.BOM)
	if len(res.Problems) != 0 {
		t.Errorf("problems: %v", res.Problems)
	}
	m := res.BOM.Metadata.Component
	if m.Name != "sentiment-model" || m.Version != "1.2.0" || m.Description == "" {
		t.Errorf("model %s %s %q", m.Name, m.Version, m.Description)
	}
	if m.Authors == nil || len(*m.Authors) != 2 || m.Licenses == nil || (*m.Licenses)[0].License.ID != "Apache-2.0" {
		t.Errorf("authors %v licenses %v", m.Authors, m.Licenses)
	}
	if props(*m)["aibom:kitfile:model:format"] != "safetensors" {
		t.Errorf("model properties %v", props(*m))
	}
	layers := map[string]string{}
	datasets := map[string]cdx.Component{}
	for _, c := range *res.BOM.Components {
		if c.Type == cdx.ComponentTypeFile {
			layers[c.Name] = props(c)["aibom:kitfile:layer"]
		}
		if c.Type == cdx.ComponentTypeData {
			datasets[c.BOMRef] = c
		}
	}
	for file, layer := range map[string]string{
		"model/weights.safetensors": "model", "model/adapter/adapter_model.safetensors": "model-part",
		"data/reviews.csv": "dataset", "src/requirements.txt": "code", "Kitfile": "",
	} {
		if layers[file] != layer {
			t.Errorf("%s: layer %q, want %q", file, layers[file], layer)
		}
	}
	// The detected data folder takes the Kitfile's name and license; a
	// dataset the detector would not call one is still recorded.
	reviews, ok := datasets["dataset:local/data"]
	if !ok || reviews.Name != "reviews" || reviews.Licenses == nil || (*reviews.Licenses)[0].License.ID != "CC-BY-4.0" {
		t.Errorf("reviews dataset %+v (have %v)", reviews, datasets)
	}
	if _, ok := datasets["dataset:local/extra/more.jsonl"]; !ok {
		t.Errorf("Kitfile dataset extra/more.jsonl missing (have %v)", datasets)
	}
	if reviews.Data == nil || (*reviews.Data)[0].Classification != "contains-pii-and-secrets" {
		t.Errorf("reviews classification %+v", reviews.Data)
	}
	// A declared dataset of files that are not tabular data is still one,
	// holding its files.
	if _, ok := datasets["dataset:kit/images"]; !ok {
		t.Errorf("Kitfile dataset images missing (have %v)", datasets)
	}
	for _, d := range *res.BOM.Dependencies {
		if d.Ref == "dataset:kit/images" && (d.Dependencies == nil || (*d.Dependencies)[0] != "file:images/cat.bin") {
			t.Errorf("images dataset files %v", d.Dependencies)
		}
	}
}

// TestSubModels: a source holding several models — a diffusers-style
// pipeline with a model per folder, and a PEFT adapter beside it — gives a
// machine-learning-model component per model, each holding its own files,
// described by its own card and config, the adapter linked to its base.
func TestSubModels(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pipeline")
	copyFile(t, "aibom/modelcard/testdata/bert-config.json", dir, "text_encoder/config.json")
	copyFile(t, "testdata/models/safetensors/model.safetensors", dir, "text_encoder/model.safetensors")
	copyFile(t, "aibom/modelcard/testdata/llama3-config.json", dir, "unet/config.json")
	copyFile(t, "testdata/models/safetensors/model.safetensors", dir, "unet/diffusion_pytorch_model.safetensors")
	copyFile(t, "aibom/modelcard/testdata/lora-README.md", dir, "lora/README.md")
	copyFile(t, "aibom/modelcard/testdata/lora-adapter_config.json", dir, "lora/adapter_config.json")
	copyFile(t, "testdata/models/safetensors/model.safetensors", dir, "lora/adapter_model.safetensors")
	if err := os.WriteFile(filepath.Join(dir, "model_index.json"), []byte(`{"_class_name": "StableDiffusionPipeline"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// Not models: weights beside notes with no front matter, or beside a
	// config.json that is not one.
	copyFile(t, "testdata/models/safetensors/model.safetensors", dir, "samples/model.safetensors")
	copyFile(t, "testdata/models/gguf/README.md", dir, "samples/README.md")
	copyFile(t, "testdata/models/safetensors/model.safetensors", dir, "odd/model.safetensors")
	copyFile(t, "testdata/models/pickle/config.json", dir, "odd/config.json")
	res := generate(t, dir)
	validate(t, res.BOM)
	models := map[string]cdx.Component{}
	for _, c := range *res.BOM.Components {
		if c.Type == cdx.ComponentTypeMachineLearningModel {
			models[c.BOMRef] = c
		}
	}
	if len(models) != 3 {
		t.Fatalf("%d sub-models, want 3: %v", len(models), models)
	}
	deps := map[string][]string{}
	for _, d := range *res.BOM.Dependencies {
		if d.Dependencies != nil {
			deps[d.Ref] = *d.Dependencies
		}
	}
	root := strings.Join(deps["model:pipeline"], " ")
	for ref := range models {
		if !strings.Contains(root, ref) {
			t.Errorf("the root model does not hold %s: %s", ref, root)
		}
	}
	if strings.Contains(root, "file:unet/") || !strings.Contains(root, "file:model_index.json") {
		t.Errorf("root files: %s", root)
	}
	unet := models["model:pipeline/unet"]
	if unet.ModelCard == nil || unet.ModelCard.ModelParameters == nil || unet.ModelCard.ModelParameters.ModelArchitecture != "LlamaForCausalLM" {
		t.Errorf("unet's own config is not used: %+v", unet.ModelCard)
	}
	if got := strings.Join(deps["model:pipeline/unet"], " "); !strings.Contains(got, "file:unet/diffusion_pytorch_model.safetensors") ||
		!strings.Contains(got, "file:unet/config.json") || strings.Contains(got, "text_encoder") {
		t.Errorf("unet holds %v", got)
	}
	lora := models["model:pipeline/lora"]
	if props(lora)["aibom:model:kind"] != "adapter" || lora.Pedigree == nil || (*lora.Pedigree.Ancestors)[0].Name != "meta-llama/Llama-2-7b-hf" {
		t.Errorf("adapter %+v", lora)
	}
	if on := strings.Join(deps["model:pipeline/lora"], " "); !strings.Contains(on, "dataset:") || !strings.Contains(on, "library:pkg:pypi/peft") {
		t.Errorf("the adapter does not depend on its dataset and library: %s", on)
	}
	// In SPDX: the root contains the models; the adapter descends from its
	// base and was trained on its dataset.
	var doc spdxDoc
	if err := json.Unmarshal(encode(t, res.BOM, SPDXJSON, 0), &doc); err != nil {
		t.Fatal(err)
	}
	rootPkg := doc.byName("ai_AIPackage", "pipeline")
	loraPkg := doc.byName("ai_AIPackage", "pipeline/lora")
	if rootPkg == nil || loraPkg == nil {
		t.Fatal("models missing from SPDX")
	}
	if !slices.Contains(doc.rel(rootPkg["spdxId"], "contains"), loraPkg["spdxId"].(string)) {
		t.Error("SPDX: the root does not contain the adapter")
	}
	if len(doc.rel(loraPkg["spdxId"], "descendantOf")) != 1 || len(doc.rel(loraPkg["spdxId"], "trainedOn")) != 1 {
		t.Errorf("SPDX adapter relationships: descendantOf %v trainedOn %v",
			doc.rel(loraPkg["spdxId"], "descendantOf"), doc.rel(loraPkg["spdxId"], "trainedOn"))
	}
}

// shard writes a safetensors file holding one F32 tensor of two values
// per name.
func shard(t *testing.T, p string, names ...string) {
	t.Helper()
	var hdr []string
	for i, n := range names {
		hdr = append(hdr, fmt.Sprintf(`%q:{"dtype":"F32","shape":[2],"data_offsets":[%d,%d]}`, n, 8*i, 8*i+8))
	}
	h := "{" + strings.Join(hdr, ",") + "}"
	for len(h)%8 != 0 {
		h += " "
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	b = append(append(b, h...), make([]byte, 8*len(names))...)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestShardedCheckpoint: the index of a sharded checkpoint is tied to its
// shards, and an index that names a missing shard, or places a tensor in
// a shard that does not hold it, is reported.
func TestShardedCheckpoint(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "sharded")
	shard(t, filepath.Join(dir, "model-00001-of-00002.safetensors"), "embed.weight", "layers.0.weight")
	shard(t, filepath.Join(dir, "model-00002-of-00002.safetensors"), "layers.1.weight", "lm_head.weight")
	index := `{"metadata": {"total_size": 32}, "weight_map": {
		"embed.weight": "model-00001-of-00002.safetensors", "layers.0.weight": "model-00001-of-00002.safetensors",
		"layers.1.weight": "model-00002-of-00002.safetensors", "lm_head.weight": "model-00002-of-00002.safetensors"}}`
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	res := generate(t, dir)
	if len(res.Problems) != 0 {
		t.Errorf("problems with a sound checkpoint: %v", res.Problems)
	}
	var idxDeps []string
	for _, d := range *res.BOM.Dependencies {
		if d.Ref == "file:model.safetensors.index.json" && d.Dependencies != nil {
			idxDeps = *d.Dependencies
		}
	}
	if strings.Join(idxDeps, " ") != "file:model-00001-of-00002.safetensors file:model-00002-of-00002.safetensors" {
		t.Errorf("the index depends on %v", idxDeps)
	}
	for _, c := range *res.BOM.Components {
		switch c.Name {
		case "model-00002-of-00002.safetensors":
			if props(c)["aibom:weights:index"] != "model.safetensors.index.json" {
				t.Errorf("shard properties %v", props(c))
			}
		case "model.safetensors.index.json":
			if p := props(c); p["aibom:index:shards"] != "2" || p["aibom:index:tensors"] != "4" || p["aibom:index:total_size"] != "32" {
				t.Errorf("index properties %v", p)
			}
		}
	}
	// A tampered index: a tensor moved to a shard without it, a shard that
	// is not there, and one outside the folder.
	index = `{"weight_map": {"embed.weight": "model-00002-of-00002.safetensors",
		"x": "model-00003-of-00003.safetensors", "y": "../../etc/passwd"}}`
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	res = generate(t, dir)
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.Path+": "+p.Err.Error())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"model.safetensors.index.json: modelcard: model.safetensors.index.json: shard names that leave the folder",
		"not in the source",
		"places 1 tensor(s) in model-00002-of-00002.safetensors that its header does not hold: embed.weight",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem %q in:\n%s", want, all)
		}
	}
}
