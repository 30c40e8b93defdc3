package gguf

import (
	"fmt"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Describe implements scanners.Meta: parameters by quantization, the
// general.* and tokenizer fields, each chat template's digest, the tensor
// inventory and the base models and datasets the file names.
func (f *File) Describe() scanners.Description {
	quant := f.FileTypeName
	if quant == "" {
		quant = format
	}
	d := scanners.Description{Params: map[string]uint64{quant: f.ParameterCount}}
	add := d.Add
	add("aibom:weights:parameters", fmt.Sprint(f.ParameterCount))
	add("aibom:weights:tensors", fmt.Sprint(len(f.Tensors)))
	add("aibom:gguf:version", fmt.Sprint(f.Version))
	add("aibom:gguf:architecture", f.Architecture)
	add("aibom:gguf:name", f.Name)
	add("aibom:gguf:license", f.License)
	add("aibom:gguf:file_type", f.FileTypeName)
	add("aibom:gguf:context_length", fmt.Sprint(f.ContextLength))
	add("aibom:gguf:tokenizer", f.TokenizerModel)
	for _, t := range f.ChatTemplates {
		name := t.Name
		if name == "" {
			name = "default"
		}
		add("aibom:gguf:chat_template:"+name+":sha256", t.SHA256)
	}
	for _, t := range f.Tensors {
		d.Tensors = append(d.Tensors, scanners.Tensor{Name: t.Name, Type: fmt.Sprintf("%s %v", t.Type, t.Shape)})
	}
	for _, b := range f.BaseModels {
		d.BaseModels = append(d.BaseModels, b.repoName())
	}
	for _, s := range f.Datasets {
		d.Datasets = append(d.Datasets, s.repoName())
	}
	return d
}

// repoName names a base model or dataset: its repository, else its
// organization/name, else its name.
func (s Source) repoName() string {
	switch {
	case s.RepoURL != "":
		return strings.TrimPrefix(strings.TrimPrefix(s.RepoURL, "https://huggingface.co/"), "https://hf.co/")
	case s.Organization != "" && s.Name != "":
		return s.Organization + "/" + s.Name
	}
	return s.Name
}
