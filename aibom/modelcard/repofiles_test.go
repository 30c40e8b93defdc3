package modelcard

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRepoConfig(t *testing.T) {
	t.Parallel()
	rc, err := ParseRepoConfig(strings.NewReader(`{"_name_or_path": "org/m", "auto_map": {
		"AutoModel": "modeling_m.M", "AutoTokenizer": ["tokenization_m.T", null],
		"AutoConfig": "other/repo--configuration_m.C", "Bad": "../../etc.x", "NoClass": "modeling_m."},
		"peft_version": "0.10.0", "_diffusers_version": "0.6.0", "_class_name": "UNet2DModel"}`), "config.json")
	if err != nil {
		t.Fatal(err)
	}
	if rc.NameOrPath != "org/m" || rc.PeftVersion != "0.10.0" || rc.DiffusersVersion != "0.6.0" || rc.ClassName != "UNet2DModel" {
		t.Errorf("%+v", rc)
	}
	var got []string
	for _, ac := range rc.AutoMap {
		got = append(got, ac.Auto+"="+ac.Repo+"|"+ac.File()+"|"+ac.Class)
	}
	want := []string{"AutoConfig=other/repo|configuration_m.py|C", "AutoModel=|modeling_m.py|M", "AutoTokenizer=|tokenization_m.py|T"}
	if !slices.Equal(got, want) {
		t.Errorf("auto_map %v, want %v", got, want)
	}
	if _, err := ParseRepoConfig(strings.NewReader(`[1]`), "config.json"); !errors.Is(err, ErrNotObject) {
		t.Errorf("a list: %v", err)
	}
}

func TestParsePipeline(t *testing.T) {
	t.Parallel()
	p, err := ParsePipeline(strings.NewReader(`{"_class_name": "P", "_diffusers_version": "0.1", "unet": ["diffusers", "U"],
		"safety_checker": [null, null], "requires_safety_checker": true, "odd": ["a"]}`), "model_index.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []PipelineComponent{{Name: "safety_checker"}, {Name: "unet", Library: "diffusers", Class: "U"}}
	if p.ClassName != "P" || !slices.Equal(p.Components, want) {
		t.Errorf("%+v", p)
	}
}

func TestParseModelfile(t *testing.T) {
	t.Parallel()
	mf, err := ParseModelfile(strings.NewReader("# c\nFROM llama3:8b\nADAPTER ./lora.gguf\nPARAMETER stop \"<|eot|>\"\n"+
		"TEMPLATE \"\"\"a\nb\"\"\"\nSYSTEM one line\nlicense \"\"\"MIT\"\"\"\n"), "Modelfile")
	if err != nil {
		t.Fatal(err)
	}
	if mf.From != "llama3:8b" || mf.Template != "a\nb" || mf.System != "one line" || mf.License != "MIT" ||
		!slices.Equal(mf.Parameters["stop"], []string{"<|eot|>"}) || !slices.Equal(mf.Adapters, []string{"./lora.gguf"}) {
		t.Errorf("%+v", mf)
	}
	_, err = ParseModelfile(strings.NewReader("FROM x\nRUN rm -rf /\n"), "Modelfile")
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 2 {
		t.Errorf("unknown instruction: %v", err)
	}
}

func TestCardTitle(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"---\nlicense: mit\n---\n\n# Title here\n": "Title here",
		"```\n# not a title\n```\n# Real #\n":      "Real",
		"## Only h2\n":                             "",
		"---\n# yaml comment\n---\n# T\n":          "T",
	} {
		if got, err := CardTitle(strings.NewReader(in), "README.md"); err != nil || got != want {
			t.Errorf("CardTitle(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestIsHubID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"org/name": true, "openai/clip-vit-large-patch14": true, "name": false,
		"/abs/path": false, "./local/x": false, "a/b/c": false, "../x": false, "org/na me": false, "": false} {
		if IsHubID(s) != want {
			t.Errorf("IsHubID(%q) = %v", s, !want)
		}
	}
}
