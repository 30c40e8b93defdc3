package modelcard

import (
	"encoding/json"
	"io"
	"sort"
	"strings"
)

// RepoConfig is what any loader configuration of a repository
// (config.json, tokenizer_config.json, a diffusers component's
// config.json, adapter_config.json) says about where the model comes
// from, which library wrote it and which code loading it runs. Zero
// values mean the file does not say.
type RepoConfig struct {
	NameOrPath          string // _name_or_path: the Hub id or path it was loaded from
	ClassName           string // _class_name (diffusers)
	DiffusersVersion    string // _diffusers_version
	TransformersVersion string // transformers_version
	PeftVersion         string // peft_version
	Architectures       []string
	// AutoMap lists the auto_map entries: each class the Auto* loaders
	// import from the repository's own code (trust_remote_code), sorted.
	AutoMap []AutoClass
}

// AutoClass is one auto_map reference: "modeling_x.XForCausalLM", or
// "org/repo--modeling_x.XForCausalLM" for code in another repository.
type AutoClass struct {
	Auto   string // the Auto* key, e.g. "AutoModelForCausalLM"
	Repo   string // the repository holding the code, "" for this one
	Module string // e.g. "modeling_x"
	Class  string // e.g. "XForCausalLM"
}

// File is the Python file the class is in, relative to its repository.
func (a AutoClass) File() string { return strings.ReplaceAll(a.Module, ".", "/") + ".py" }

// ParseRepoConfig parses a loader configuration of at most MaxConfigSize
// bytes for the fields of RepoConfig. Any JSON object is accepted.
func ParseRepoConfig(r io.Reader, name string) (*RepoConfig, error) {
	obj, err := decodeObject(r, name, MaxConfigSize)
	if err != nil {
		return nil, err
	}
	rc := &RepoConfig{
		NameOrPath:          obj.str("_name_or_path"),
		ClassName:           obj.str("_class_name"),
		DiffusersVersion:    obj.str("_diffusers_version"),
		TransformersVersion: obj.str("transformers_version"),
		PeftVersion:         obj.str("peft_version"),
		Architectures:       obj.strList("architectures"),
	}
	var am jsonObject
	if json.Unmarshal(obj["auto_map"], &am) == nil {
		rc.AutoMap = autoMap(am)
	}
	return rc, nil
}

// autoMap reads auto_map: each value is a "module.Class" reference or a
// list of them (a tokenizer's slow and fast classes, either null).
func autoMap(am jsonObject) []AutoClass {
	keys := make([]string, 0, len(am))
	for k := range am {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []AutoClass
	for _, k := range keys {
		for _, ref := range am.strList(k) {
			if ac, ok := parseAutoRef(k, ref); ok && len(out) < maxListItems {
				out = append(out, ac)
			}
		}
	}
	return out
}

func parseAutoRef(auto, ref string) (AutoClass, bool) {
	ac := AutoClass{Auto: auto}
	if repo, rest, ok := strings.Cut(ref, "--"); ok {
		ac.Repo, ref = repo, rest
	}
	i := strings.LastIndexByte(ref, '.')
	if i <= 0 || i == len(ref)-1 {
		return ac, false
	}
	ac.Module, ac.Class = ref[:i], ref[i+1:]
	if strings.Contains(ac.Module, "..") || strings.HasPrefix(ac.Module, "/") {
		return ac, false
	}
	return ac, true
}

// Pipeline is a diffusers model_index.json: the pipeline class and its
// components, each a folder of the repository.
type Pipeline struct {
	ClassName        string // _class_name, e.g. "StableDiffusionPipeline"
	DiffusersVersion string // _diffusers_version
	NameOrPath       string // _name_or_path
	Components       []PipelineComponent
}

// PipelineComponent is one component of a pipeline: the folder name and
// the library and class that load it; Library and Class are empty for a
// component set to null.
type PipelineComponent struct{ Name, Library, Class string }

// ParsePipeline parses a diffusers model_index.json of at most
// MaxSmallConfig bytes. Keys starting with "_" are attributes; a key whose
// value is a [library, class] pair is a component.
func ParsePipeline(r io.Reader, name string) (*Pipeline, error) {
	obj, err := decodeObject(r, name, MaxSmallConfig)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{ClassName: obj.str("_class_name"), DiffusersVersion: obj.str("_diffusers_version"),
		NameOrPath: obj.str("_name_or_path")}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var pair []*string
		if strings.HasPrefix(k, "_") || json.Unmarshal(obj[k], &pair) != nil || len(pair) != 2 || len(p.Components) == maxListItems {
			continue
		}
		pc := PipelineComponent{Name: truncate(k, maxScalarLen)}
		if pair[0] != nil && pair[1] != nil {
			pc.Library, pc.Class = truncate(*pair[0], maxScalarLen), truncate(*pair[1], maxScalarLen)
		}
		p.Components = append(p.Components, pc)
	}
	return p, nil
}

// IsHubID reports whether s is a Hugging Face repository id, "org/name",
// rather than a local path or a bare name.
func IsHubID(s string) bool {
	org, name, ok := strings.Cut(s, "/")
	if !ok || strings.Contains(name, "/") || len(s) > 200 {
		return false
	}
	for _, seg := range []string{org, name} {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, "-") || strings.HasPrefix(seg, ".") {
			return false
		}
		for _, c := range seg {
			if !hubChar(c) {
				return false
			}
		}
	}
	return true
}

// hubChar reports whether c may appear in a Hub organization or name.
func hubChar(c rune) bool {
	switch {
	case c == '-', c == '_', c == '.', '0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		return true
	}
	return false
}
