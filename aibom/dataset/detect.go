package dataset

import (
	"context"
	"errors"
	"path"
	"sort"
	"strings"

	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// weightExts are model weight files; a folder holding one directly is a
// model folder (rule 4 of the package documentation).
var weightExts = map[string]bool{
	".safetensors": true, ".gguf": true, ".onnx": true, ".pt": true, ".pth": true, ".bin": true,
	".h5": true, ".keras": true, ".ckpt": true, ".pkl": true, ".joblib": true, ".npy": true,
	".npz": true, ".tflite": true, ".pb": true,
}

// notData are .json/.txt names that are configuration, tokenizers or
// metadata, never data.
var notData = map[string]bool{
	"config.json": true, "generation_config.json": true, "adapter_config.json": true,
	"tokenizer.json": true, "tokenizer_config.json": true, "special_tokens_map.json": true,
	"vocab.json": true, "vocab.txt": true, "merges.txt": true, "added_tokens.json": true,
	"preprocessor_config.json": true, "dataset_info.json": true, "state.json": true,
	"dataset_dict.json": true, "requirements.txt": true, "license.txt": true, "readme.txt": true,
	"model.safetensors.index.json": true, "trainer_state.json": true, "training_args.json": true,
	"package.json": true, "package-lock.json": true, "tsconfig.json": true,
}

// Detect finds the local datasets among files (as listed by package
// source) by the rules in the package documentation, reads their cards and
// data files within the limits, and classifies a sample of each. A file
// that cannot be read is recorded in its File.Err and the rest goes on.
// Datasets come sorted by Path.
func Detect(ctx context.Context, files []source.File, opts ...Option) []Dataset {
	o := options{rootName: "dataset"}
	for _, opt := range opts {
		opt(&o)
	}
	lim := o.limits.orDefault()
	sets := group(ctx, files, lim, o.declared)
	for i := range sets {
		d := &sets[i]
		if d.Name == "" {
			d.Name = path.Base(d.Path)
			if d.Path == "." {
				d.Name = o.rootName
			}
		}
		d.Sensitive = Counts{}
		budget := lim.DatasetSampleBytes
		for j := range d.Files {
			sample := inspect(ctx, &d.Files[j], lim, budget)
			budget -= int64(len(sample))
			d.SampledBytes += int64(len(sample))
			d.Sensitive.Add(Classify(sample))
		}
	}
	return sets
}

// group assigns data files to dataset folders (no data is read but cards).
func group(ctx context.Context, files []source.File, lim Limits, declared []Declared) []Dataset {
	roots, weights := cardRoots(ctx, files, lim)
	loose := map[string]*Dataset{}
	named := map[string]*Dataset{}
	for _, f := range files {
		format := formatOf(f.Path)
		if format == "" {
			continue
		}
		if d := claim(declared, named, f.Path); d != nil {
			d.Files = append(d.Files, File{File: f, Format: format})
			continue
		}
		dir, base := splitDir(f.Path)
		skip := notData[strings.ToLower(base)]
		if d := innermost(roots, dir); d != nil {
			if !skip {
				d.Files = append(d.Files, File{File: f, Format: format})
			}
			continue
		}
		root, inData := looseRoot(dir)
		if (format == "json" || format == "text") && (!inData || skip) || !inData && weights[dir] {
			continue
		}
		if loose[root] == nil {
			loose[root] = &Dataset{Path: root}
		}
		loose[root].Files = append(loose[root].Files, File{File: f, Format: format})
	}
	var out []Dataset
	for _, m := range []map[string]*Dataset{roots, loose, named} {
		for _, d := range m {
			if d.Card != nil || len(d.Files) > 0 {
				sort.Slice(d.Files, func(i, j int) bool { return d.Files[i].Path < d.Files[j].Path })
				out = append(out, *d)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// claim returns the declared dataset that holds file (the longest declared
// path covering it), creating it in named on first use.
func claim(declared []Declared, named map[string]*Dataset, file string) *Dataset {
	best := -1
	for i, d := range declared {
		if d.Path == "." || d.Path == file || strings.HasPrefix(file, d.Path+"/") {
			if best < 0 || len(d.Path) > len(declared[best].Path) {
				best = i
			}
		}
	}
	if best < 0 {
		return nil
	}
	d := declared[best]
	if named[d.Path] == nil {
		named[d.Path] = &Dataset{Path: d.Path, Name: d.Name}
	}
	return named[d.Path]
}

// cardRoots returns the folders of rules 1 and 2 and the folders that hold
// model weights.
func cardRoots(ctx context.Context, files []source.File, lim Limits) (roots map[string]*Dataset, weights map[string]bool) {
	roots, weights = map[string]*Dataset{}, map[string]bool{}
	arrows := map[string]bool{}
	for _, f := range files {
		dir, base := splitDir(f.Path)
		weights[dir] = weights[dir] || weightExts[path.Ext(strings.ToLower(base))]
		arrows[dir] = arrows[dir] || path.Ext(base) == ".arrow"
	}
	for _, f := range files {
		dir, base := splitDir(f.Path)
		switch strings.ToLower(base) {
		case "readme.md":
			card, err := readCard(ctx, f, lim.CardBytes)
			if card != nil && card.IsDataset {
				roots[dir] = &Dataset{Path: dir, Name: card.PrettyName, Card: card}
			} else if err != nil && !errors.Is(err, ErrNoFrontMatter) && likelyDatasetDir(dir) {
				roots[dir] = &Dataset{Path: dir, CardErr: err}
			}
		case "dataset_info.json", "state.json":
			if arrows[dir] && roots[dir] == nil {
				roots[dir] = &Dataset{Path: dir}
			}
		}
	}
	return roots, weights
}

// likelyDatasetDir is a folder whose broken card still makes it a dataset.
func likelyDatasetDir(dir string) bool {
	for _, seg := range strings.Split(dir, "/") {
		if s := strings.ToLower(seg); s == "data" || s == "dataset" || s == "datasets" {
			return true
		}
	}
	return false
}

func splitDir(p string) (dir, base string) {
	dir, base = path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		dir = "."
	}
	return dir, base
}

// innermost returns the dataset of dir or of its nearest ancestor.
func innermost(roots map[string]*Dataset, dir string) *Dataset {
	for {
		if d, ok := roots[dir]; ok {
			return d
		}
		if dir == "." {
			return nil
		}
		dir, _ = splitDir(dir)
	}
}

// looseRoot returns the dataset folder of a data file in dir that no card
// claims: the parent of the nearest ancestor named data, or the nearest
// ancestor named dataset or datasets, else dir itself.
func looseRoot(dir string) (root string, inData bool) {
	for d := dir; ; {
		parent, base := splitDir(d)
		switch strings.ToLower(base) {
		case "data":
			return parent, true
		case "dataset", "datasets":
			return d, true
		}
		if d == "." || parent == d {
			return dir, false
		}
		d = parent
	}
}
