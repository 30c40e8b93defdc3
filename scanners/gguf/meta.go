package gguf

import (
	"math/bits"
	"sort"
	"strconv"
	"strings"
)

// maxSources bounds the base models and datasets collected.
const maxSources = 256

// describe fills the BOM fields of f from its metadata and tensors.
func (f *File) describe() {
	f.Architecture = f.str("general.architecture")
	f.Name = f.str("general.name")
	f.License = f.str("general.license")
	f.TokenizerModel = f.str("tokenizer.ggml.model")
	if v, ok := f.uint("general.file_type"); ok {
		f.FileType = int64(min(v, 1<<62))
		f.FileTypeName = fileTypes[f.FileType]
	}
	f.QuantizationVersion, _ = f.uint("general.quantization_version")
	if f.Architecture != "" {
		f.ContextLength, _ = f.uint(f.Architecture + ".context_length")
	}
	f.TensorTypes = map[string]int{}
	for _, t := range f.Tensors {
		f.TensorTypes[t.Type.String()]++
		s, c := bits.Add64(f.ParameterCount, t.Elements, 0)
		if c != 0 {
			s = ^uint64(0)
		}
		f.ParameterCount = s
	}
	f.BaseModels = f.sources("general.base_model.")
	f.Datasets = f.sources("general.dataset.")
	if v, ok := f.Lookup("general.datasets"); ok && v.Type == TypeArray && v.ElemType == TypeString {
		for _, e := range v.Elems {
			if e.Kept && len(f.Datasets) < maxSources {
				f.Datasets = append(f.Datasets, Source{Name: e.Str})
			}
		}
	}
}

// str returns the kept string value of key, "" otherwise.
func (f *File) str(key string) string {
	if v, ok := f.Lookup(key); ok && v.Type == TypeString && v.Kept {
		return v.Str
	}
	return ""
}

// uint returns the value of key when it is a non-negative integer.
func (f *File) uint(key string) (uint64, bool) {
	v, ok := f.Lookup(key)
	if !ok {
		return 0, false
	}
	switch v.Type {
	case TypeUint8, TypeUint16, TypeUint32, TypeUint64:
		return v.Uint, true
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		if v.Int >= 0 {
			return uint64(v.Int), true
		}
	default:
	}
	return 0, false
}

// sources collects prefix<N>.<field> keys into Sources ordered by N.
func (f *File) sources(prefix string) []Source {
	byID := map[uint64]*Source{}
	for _, kv := range f.Metadata {
		rest, ok := strings.CutPrefix(kv.Key, prefix)
		if !ok || kv.Value.Type != TypeString || !kv.Value.Kept {
			continue
		}
		idx, field, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		id, err := strconv.ParseUint(idx, 10, 64)
		if err != nil {
			continue
		}
		s := byID[id]
		if s == nil {
			if len(byID) >= maxSources {
				continue
			}
			s = &Source{}
			byID[id] = s
		}
		s.set(field, kv.Value.Str)
	}
	ids := make([]uint64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out []Source
	for _, id := range ids {
		out = append(out, *byID[id])
	}
	return out
}

func (s *Source) set(field, v string) {
	switch field {
	case "name":
		s.Name = v
	case "author":
		s.Author = v
	case "version":
		s.Version = v
	case "organization":
		s.Organization = v
	case "description":
		s.Description = v
	case "url":
		s.URL = v
	case "doi":
		s.DOI = v
	case "uuid":
		s.UUID = v
	case "repo_url":
		s.RepoURL = v
	}
}
