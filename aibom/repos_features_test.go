package aibom

import (
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// ancestorNames returns the names of c's pedigree ancestors.
func ancestorNames(c cdx.Component) []string {
	var out []string
	if c.Pedigree != nil && c.Pedigree.Ancestors != nil {
		for _, a := range *c.Pedigree.Ancestors {
			out = append(out, a.Name)
		}
	}
	return out
}

func architecture(c cdx.Component) string {
	if c.ModelCard == nil || c.ModelCard.ModelParameters == nil {
		return ""
	}
	return c.ModelCard.ModelParameters.ModelArchitecture
}

// libraryPURLs returns the purls of the BOM's libraries.
func libraryPURLs(bom *cdx.BOM) []string {
	var out []string
	for _, c := range *bom.Components {
		if c.Type == cdx.ComponentTypeLibrary {
			out = append(out, c.PackageURL)
		}
	}
	return out
}

// TestIdentity: the model is named by its repository id, from the
// model-index name or a _name_or_path its card's title agrees with; a
// _name_or_path nothing agrees with is the model's ancestor.
func TestIdentity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		repo, group, name, purl, how, ancestor string
	}{
		{"encoder-qa", "example-org", "roberta-base-qa-v2", "pkg:huggingface/example-org/roberta-base-qa-v2", idModelIndex, ""},
		{"moe-chat", "example-org", "moe-8x1b-instruct", "pkg:huggingface/example-org/moe-8x1b-instruct", idNameOrPath, "example-org/moe-8x1b-base"},
		{"remote-code", "example-org", "tinyphi-1_3b", "pkg:huggingface/example-org/tinyphi-1_3b", idNameOrPath, ""},
		{"stable-diffusion", "example-org", "latent-diffusion-v1", "pkg:huggingface/example-org/latent-diffusion-v1", idNameOrPath, ""},
		{"sentence-embed", "", "MiniLM sentence embeddings", "", idCardTitle, "example-org/MiniLM-L6-H384-uncased"},
	}
	for _, c := range cases {
		t.Run(c.repo, func(t *testing.T) {
			t.Parallel()
			res := generateRepo(t, c.repo, false)
			m := *res.BOM.Metadata.Component
			if m.Group != c.group || m.Name != c.name || m.PackageURL != c.purl || props(m)[propIdentitySource] != c.how {
				t.Errorf("identity %q/%q %q (%s), want %q/%q %q (%s)", m.Group, m.Name, m.PackageURL, props(m)[propIdentitySource],
					c.group, c.name, c.purl, c.how)
			}
			if c.group != "" && m.Publisher != c.group {
				t.Errorf("publisher %q", m.Publisher)
			}
			if c.ancestor != "" && !slices.Contains(ancestorNames(m), c.ancestor) {
				t.Errorf("ancestors %v, want %s", ancestorNames(m), c.ancestor)
			}
			if slices.Contains(ancestorNames(m), c.group+"/"+c.name) {
				t.Errorf("the model is its own ancestor: %v", ancestorNames(m))
			}
		})
	}
}

// TestDiffusersPipeline: the pipeline is the model (its class the
// architecture); its UNet, VAE, text encoder, safety checker and
// scheduler are sub-models with their own class and lineage; tokenizer
// and feature extractor are not models; the single-file checkpoint beside
// the folders is an alternative and is not counted.
func TestDiffusersPipeline(t *testing.T) {
	t.Parallel()
	for _, weights := range []bool{false, true} {
		res := generateRepo(t, "stable-diffusion", weights)
		bom := res.BOM
		m := *bom.Metadata.Component
		if architecture(m) != "StableDiffusionPipeline" || props(m)[propDiffusersVersion] != "0.6.0" {
			t.Errorf("pipeline: architecture %q, properties %v", architecture(m), props(m))
		}
		want := map[string]string{"unet": "UNet2DConditionModel", "vae": "AutoencoderKL", "text_encoder": "CLIPTextModel",
			"safety_checker": "StableDiffusionSafetyChecker", "scheduler": "PNDMScheduler"}
		got := map[string]cdx.Component{}
		for _, c := range *bom.Components {
			if c.Type == cdx.ComponentTypeMachineLearningModel {
				got[props(c)["aibom:model:path"]] = c
			}
		}
		if len(got) != len(want) {
			t.Errorf("sub-models %v, want %v", keys(got), want)
		}
		for dir, arch := range want {
			if architecture(got[dir]) != arch || props(got[dir])[propDiffusersComponent] != dir {
				t.Errorf("%s: architecture %q, properties %v", dir, architecture(got[dir]), props(got[dir]))
			}
		}
		if a := ancestorNames(got["text_encoder"]); !slices.Equal(a, []string{"openai/clip-vit-large-patch14"}) {
			t.Errorf("text encoder lineage %v", a)
		}
		if !slices.Contains(dependsOn(bom, m.BOMRef), got["unet"].BOMRef) {
			t.Error("the pipeline does not depend on its UNet")
		}
		single := props(component(t, bom, fileRef("sd-v1-5-pruned-emaonly.safetensors")))
		if single[propWeightsCopy] != copyAlternative || single[propWeightsAlternativeOf] != ofPipeline {
			t.Errorf("single-file checkpoint: %v", single)
		}
		if props(component(t, bom, fileRef("model_index.json")))[propFileRole] != "config" {
			t.Error("model_index.json is not a config")
		}
		if !slices.Contains(libraryPURLs(bom), "pkg:pypi/diffusers@0.6.0") {
			t.Errorf("libraries %v", libraryPURLs(bom))
		}
		if weights {
			// unet, vae, text encoder, safety checker: 8 parameters each
			// (the test's safetensors); not the single file's 8.
			if p := props(m)[propModelParameters]; p != "32" {
				t.Errorf("pipeline parameters %s, want 32", p)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestWeightCopies: the same weights as safetensors, a PyTorch pickle and
// ONNX exports are counted once; the others are recorded as alternatives.
func TestWeightCopies(t *testing.T) {
	t.Parallel()
	res := generateRepo(t, "sentence-embed", true)
	m := props(*res.BOM.Metadata.Component)
	if m[propModelWeights] != "model.safetensors" || m[propModelAlternatives] != "3" {
		t.Errorf("model weights %q, alternatives %q", m[propModelWeights], m[propModelAlternatives])
	}
	if m[propModelParameters] != "8" {
		t.Errorf("parameters %s, want 8 (one copy)", m[propModelParameters])
	}
	for _, p := range []string{"pytorch_model.bin", "onnx/model.onnx", "onnx/model_qint8_avx512.onnx"} {
		fp := props(component(t, res.BOM, fileRef(p)))
		if fp[propWeightsCopy] != copyAlternative || fp[propWeightsAlternativeOf] != "model.safetensors" {
			t.Errorf("%s: %v", p, fp)
		}
	}
	// A sharded checkpoint is one copy: its shards add up.
	moe := generateRepo(t, "moe-chat", true)
	if len(moe.Problems) != 0 {
		t.Errorf("problems: %v", moe.Problems)
	}
	mp := props(*moe.BOM.Metadata.Component)
	if mp[propModelWeights] != "model.safetensors.index.json" || mp[propModelParameters] != "40" {
		t.Errorf("sharded: weights %q, parameters %q (want the index, 5 tensors x 8)", mp[propModelWeights], mp[propModelParameters])
	}
}

// TestFrameworkLibraries: the libraries and versions the configs name.
func TestFrameworkLibraries(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"sentence-embed": {"pkg:pypi/sentence-transformers@2.0.0", "pkg:pypi/torch@1.8.1", "pkg:pypi/transformers@4.8.2"},
		"lora-adapter":   {"pkg:pypi/peft@0.10.0"},
		"ddpm-cifar":     {"pkg:pypi/diffusers@0.1.1"},
		"encoder-qa":     {"pkg:pypi/transformers@4.36.2"},
	}
	for repo, want := range cases {
		t.Run(repo, func(t *testing.T) {
			t.Parallel()
			res := generateRepo(t, repo, false)
			bom := res.BOM
			got := libraryPURLs(bom)
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("libraries %v, want %s", got, w)
				}
			}
			deps := dependsOn(bom, bom.Metadata.Component.BOMRef)
			for _, w := range want {
				if !slices.ContainsFunc(deps, func(d string) bool { return strings.HasSuffix(d, w) }) {
					t.Errorf("the model does not depend on %s: %v", w, deps)
				}
			}
		})
	}
}

// TestRemoteCode: auto_map is a finding on the model naming the files it
// runs, which are code components with their hashes.
func TestRemoteCode(t *testing.T) {
	t.Parallel()
	res := generateRepo(t, "remote-code", false)
	var v *cdx.Vulnerability
	for i, x := range *res.BOM.Vulnerabilities {
		if x.ID == RuleRemoteCode {
			v = &(*res.BOM.Vulnerabilities)[i]
		}
	}
	if v == nil {
		t.Fatal("no remote-code finding")
	}
	files := []string{"configuration_tinyphi.py", "modeling_tinyphi.py", "tokenization_tinyphi.py"}
	affected := []string{}
	for _, a := range *v.Affects {
		affected = append(affected, a.Ref)
	}
	if !slices.Contains(affected, res.BOM.Metadata.Component.BOMRef) {
		t.Errorf("the finding does not affect the model: %v", affected)
	}
	for _, f := range files {
		if !strings.Contains(v.Description, f) || !slices.Contains(affected, fileRef(f)) {
			t.Errorf("%s: not named by the finding (%s, %v)", f, v.Description, affected)
		}
		c := component(t, res.BOM, fileRef(f))
		if p := props(c); p[propFileRole] != "code" || p[propCodeLoadedBy] == "" || c.Hashes == nil {
			t.Errorf("%s: %v %v", f, p, c.Hashes)
		}
	}
	// auto_map naming a file the repository lacks is a problem.
	dir := repoDir(t, "remote-code", false)
	if err := removeFile(dir, "modeling_tinyphi.py"); err != nil {
		t.Fatal(err)
	}
	res = generate(t, dir)
	if !slices.ContainsFunc(res.Problems, func(p sourceProblem) bool {
		return strings.Contains(p.Err.Error(), "modeling_tinyphi.py is not in the source")
	}) {
		t.Errorf("problems %v", res.Problems)
	}
}
