package modelcard

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/bomschema"
)

// repo is one model repository of the fixtures.
type repo struct {
	card, config, generation, adapter string // testdata file names, "" if absent
	gguf                              []string
}

var repos = map[string]repo{
	"llama3":    {card: "llama3-README.md", config: "llama3-config.json", generation: "llama3-generation_config.json"},
	"bert":      {card: "bert-squad2-README.md", config: "bert-config.json"},
	"lora":      {card: "lora-README.md", adapter: "lora-adapter_config.json"},
	"gguf":      {card: "gguf-README.md", gguf: []string{"Meta-Llama-3-8B-Instruct"}},
	"co2":       {card: "co2-README.md"},
	"malformed": {card: "malformed-README.md", config: "gptq-config.json"},
	"nocard":    {config: "gptq-config.json"},
}

// parsed holds what the parsers made of a repo; parse errors are ignored, as
// the generator records them and goes on.
type parsed struct {
	card    *Card
	cfg     *Config
	gen     *GenerationConfig
	adapter *Adapter
}

func parseRepo(t *testing.T, r repo) parsed {
	t.Helper()
	var p parsed
	if r.card != "" {
		p.card, _ = ParseCard(openTestdata(t, r.card), r.card)
	}
	if r.config != "" {
		p.cfg, _ = ParseConfig(openTestdata(t, r.config), r.config)
	}
	if r.generation != "" {
		p.gen, _ = ParseGenerationConfig(openTestdata(t, r.generation), r.generation)
	}
	if r.adapter != "" {
		p.adapter, _ = ParseAdapter(openTestdata(t, r.adapter), r.adapter)
	}
	return p
}

// buildBOM puts everything the package produces for one repository into a
// minimal BOM: one machine-learning-model component, a data component per
// dataset the model card refers to, and the lineage as pedigree ancestors.
func buildBOM(p parsed, r repo) *cdx.BOM {
	model := cdx.Component{
		BOMRef: "model", Type: cdx.ComponentTypeMachineLearningModel, Name: "model",
		PackageURL: PackageURL("org/model", "0123456789ABCDEF0123456789abcdef01234567"),
		ModelCard:  p.card.ModelCard(p.cfg),
	}
	if lic := p.card.Licenses(); len(lic) > 0 {
		model.Licenses = &lic
	}
	props := append(Properties(p.card, p.cfg, p.gen), p.adapter.Properties()...)
	if len(props) > 0 {
		model.Properties = &props
	}
	var ancestors []cdx.Component
	for _, a := range Lineage(p.card, p.adapter, r.gguf) {
		ancestors = append(ancestors, cdx.Component{
			Type: cdx.ComponentTypeMachineLearningModel, Name: a.Name, PackageURL: PackageURL(a.Name, ""),
			Properties: &[]cdx.Property{{Name: "aibom:lineage:relation", Value: string(a.Relation)}},
		})
	}
	if len(ancestors) > 0 {
		model.Pedigree = &cdx.Pedigree{Ancestors: &ancestors}
	}
	components := []cdx.Component{model}
	for _, d := range p.card.DatasetNames() {
		components = append(components, cdx.Component{BOMRef: DatasetRef(d), Type: cdx.ComponentTypeData, Name: d})
	}
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
	bom.Components = &components
	return bom
}

func TestBOMValidates(t *testing.T) {
	t.Parallel()
	for name, r := range repos {
		for _, v := range []cdx.SpecVersion{cdx.SpecVersion1_6, cdx.SpecVersion1_7} {
			t.Run(name+"/"+v.String(), func(t *testing.T) {
				t.Parallel()
				var buf bytes.Buffer
				enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
				if err := enc.EncodeVersion(buildBOM(parseRepo(t, r), r), v); err != nil {
					t.Fatal(err)
				}
				if err := bomschema.Validate(buf.Bytes(), v.String()); err != nil {
					t.Errorf("%v\n%s", err, buf.String())
				}
				if bytes.Contains(buf.Bytes(), []byte(`"energyProviders": null`)) ||
					bytes.Contains(buf.Bytes(), []byte(`"energyProviders":null`)) {
					t.Error("energyProviders encoded as null")
				}
			})
		}
	}
}

// TestModelCardGolden compares the model card made from each fixture, as
// JSON, with testdata/golden/<repo>.json. Run with -update to rewrite them.
func TestModelCardGolden(t *testing.T) {
	t.Parallel()
	for name, r := range repos {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := parseRepo(t, r)
			out := struct {
				ModelCard  *cdx.MLModelCard `json:"modelCard,omitempty"`
				Licenses   cdx.Licenses     `json:"licenses,omitempty"`
				Properties []cdx.Property   `json:"properties,omitempty"`
				Lineage    []Ancestor       `json:"lineage,omitempty"`
			}{p.card.ModelCard(p.cfg), p.card.Licenses(), Properties(p.card, p.cfg, p.gen), Lineage(p.card, p.adapter, r.gguf)}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", name+".json"), append(got, '\n'))
		})
	}
}

func TestEnvironmentalConsiderations(t *testing.T) {
	t.Parallel()
	p := parseRepo(t, repos["co2"])
	env := p.card.ModelCard(nil).Considerations.EnvironmentalConsiderations
	if env == nil || env.EnergyConsumptions == nil || len(*env.EnergyConsumptions) != 1 {
		t.Fatalf("environmental considerations %+v, want one energy consumption", env)
	}
	ec := (*env.EnergyConsumptions)[0]
	if ec.EnergyProviders == nil || len(*ec.EnergyProviders) != 1 ||
		(*ec.EnergyProviders)[0].EnergySource != cdx.MLModelEnergySourceUnknown {
		t.Errorf("energyProviders %v, want one provider of unknown energy source", ec.EnergyProviders)
	}
	if ec.Activity != cdx.MLModelEnergyConsumptionActivityFineTuning || ec.CO2CostEquivalent == nil ||
		ec.CO2CostEquivalent.Value != float32(0.0186/1e6) {
		t.Errorf("energy consumption %+v", ec)
	}
}

func TestModelCardEmpty(t *testing.T) {
	t.Parallel()
	var nilCard *Card
	if mc := nilCard.ModelCard(nil); mc != nil {
		t.Errorf("nil card: %+v, want nil", mc)
	}
	if mc := (&Card{}).ModelCard(&Config{}); mc != nil {
		t.Errorf("empty card: %+v, want nil", mc)
	}
	if nilCard.Licenses() != nil || nilCard.DatasetNames() != nil || Properties(nil, nil, nil) != nil {
		t.Error("nil card gives licenses, datasets or properties")
	}
	mc := nilCard.ModelCard(&Config{ModelType: "llama", Architectures: []string{"LlamaForCausalLM"}})
	text := &[]cdx.MLInputOutputParameters{{Format: "text"}}
	if diff := cmp.Diff(&cdx.MLModelCard{ModelParameters: &cdx.MLModelParameters{Task: "text-generation", // from the architecture
		ArchitectureFamily: "llama", ModelArchitecture: "LlamaForCausalLM", Inputs: text, Outputs: text}}, mc); diff != "" {
		t.Errorf("config only (-want +got):\n%s", diff)
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
