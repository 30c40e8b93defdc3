package aibom

import (
	"path"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Properties of weight copies.
const (
	propWeightsCopy          = "aibom:weights:copy"           //nolint:gosec // a property name, not a credential
	propWeightsAlternativeOf = "aibom:weights:alternative_of" //nolint:gosec // a property name, not a credential
	propModelWeights         = "aibom:model:weights"
	propModelAlternatives    = "aibom:model:weights_alternatives"
	copyPrimary              = "primary"
	copyAlternative          = "alternative"
	// ofPipeline is what a single-file checkpoint beside a diffusers
	// pipeline's folders is an alternative of.
	ofPipeline = "the diffusers pipeline"
)

// exportDirs are folders that hold another format's copy of the weights
// of the model folder above them.
var exportDirs = map[string]bool{"onnx": true, "openvino": true, "coreml": true, "tflite": true, "tf": true, "flax": true}

// weightCopy is one copy of a model's weights: a file, or the shards an
// index ties together (key is then the index's path).
type weightCopy struct {
	key   string
	first string // the path of its first file, whose format ranks it
	files []int
	group string
}

// copies groups the weight files among owned (indexes into files) into
// copies, and the copies into groups of alternatives: the copies in one
// folder of the model (an export folder such as onnx/ counts as its
// parent) are the same weights in other formats or precisions.
func copies(files []fileEntry, owned []int) map[string][]*weightCopy {
	byKey := map[string]*weightCopy{}
	var order []string
	for _, i := range owned {
		f := files[i]
		if fileRole(f.scan) != "weights" {
			continue
		}
		key := f.src.Path
		if idx := indexOf(f.info); idx != "" {
			key = idx
		}
		wc := byKey[key]
		if wc == nil {
			wc = &weightCopy{key: key, first: f.src.Path, group: copyGroup(f.src.Path)}
			byKey[key] = wc
			order = append(order, key)
		}
		wc.files = append(wc.files, i)
	}
	groups := map[string][]*weightCopy{}
	for _, k := range order {
		wc := byKey[k]
		groups[wc.group] = append(groups[wc.group], wc)
	}
	return groups
}

// copyGroup is the folder a weight file is a copy of the model in.
func copyGroup(p string) string {
	dir := path.Dir(p)
	if exportDirs[strings.ToLower(path.Base(dir))] {
		dir = path.Dir(dir)
	}
	base := strings.ToLower(path.Base(p))
	if strings.Contains(base, "mmproj") || strings.Contains(base, "projector") {
		return dir + "#" + base // a different part of the model, not a copy
	}
	return dir
}

func indexOf(wi *weightInfo) string {
	if wi == nil {
		return ""
	}
	for _, p := range wi.props {
		if p.Name == propWeightsIndex {
			return p.Value
		}
	}
	return ""
}

// formatRank orders copies: safetensors first (no code runs on loading),
// then GGUF, then the others, then pickles.
func formatRank(p string) int {
	switch ext := strings.ToLower(path.Ext(p)); ext {
	case ".safetensors":
		return 0
	case ".gguf":
		return 1
	case ".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle":
		return 3
	}
	return 2
}

// choose picks the copy of each group that is counted: the best format,
// then the shallowest, then the first by path.
func choose(group []*weightCopy) *weightCopy {
	sorted := append([]*weightCopy(nil), group...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].key, sorted[j].key
		if ra, rb := formatRank(sorted[i].first), formatRank(sorted[j].first); ra != rb {
			return ra < rb
		}
		if da, db := strings.Count(a, "/"), strings.Count(b, "/"); da != db {
			return da < db
		}
		return a < b
	})
	return sorted[0]
}

// weightPlan is, for one model, which weight files are counted and what
// the others are alternatives of.
type weightPlan struct {
	counted []int
	// alt maps a file (index) to the copy it is an alternative of.
	alt      map[int]string
	primary  []string
	nAltCopy int
}

// planWeights decides which of a model's weight files count. For a
// diffusers pipeline's root (pipeline true), the weights of the root
// folder are a single-file checkpoint of the whole pipeline: none counts.
func planWeights(files []fileEntry, owned []int, rootDir string, pipeline bool) weightPlan {
	wp := weightPlan{alt: map[int]string{}}
	groups := copies(files, owned)
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		group := groups[g]
		if pipeline && g == rootDir {
			for _, wc := range group {
				for _, i := range wc.files {
					wp.alt[i] = ofPipeline
				}
				wp.nAltCopy++
			}
			continue
		}
		best := choose(group)
		wp.primary = append(wp.primary, best.key)
		wp.counted = append(wp.counted, best.files...)
		for _, wc := range group {
			if wc == best {
				continue
			}
			wp.nAltCopy++
			for _, i := range wc.files {
				wp.alt[i] = best.key
			}
		}
	}
	return wp
}

// copyProps are the properties a weight file gets from its model's plan.
func (wp weightPlan) copyProps(i int) []cdx.Property {
	if of, ok := wp.alt[i]; ok {
		return []cdx.Property{{Name: propWeightsCopy, Value: copyAlternative}, {Name: propWeightsAlternativeOf, Value: of}}
	}
	return nil
}

// modelProps are the model's properties from its plan.
func (wp weightPlan) modelProps() []cdx.Property {
	var out []cdx.Property
	for _, p := range wp.primary {
		out = append(out, cdx.Property{Name: propModelWeights, Value: p})
	}
	if wp.nAltCopy > 0 {
		out = append(out, cdx.Property{Name: propModelAlternatives, Value: itoa(wp.nAltCopy)})
	}
	return out
}
