package aibom

import (
	"context"
	"path"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// subModel is a model in a folder of the source other than its root: a
// PEFT adapter, a checkpoint, one model of a diffusers pipeline (unet/,
// vae/, text_encoder/). It is a machine-learning-model component of its
// own, holding the files under its folder.
type subModel struct {
	dir  string
	meta repoMeta
	x    repoExtras
	// part is the diffusers pipeline component the folder holds, if any.
	part *modelcard.PipelineComponent
	comp cdx.Component
}

// marks are what makes a folder a model's.
type marks struct{ adapter, config, card, weights bool }

// subModelDirs finds the folders other than the root that may hold a
// model: an adapter_config.json, or weights beside a config.json or a
// README.md (which must then turn out to be a model card).
func subModelDirs(files []scanners.FileResult) map[string]*marks {
	by := map[string]*marks{}
	for _, f := range files {
		dir, base := path.Split(f.Path)
		dir = strings.TrimSuffix(dir, "/")
		if dir == "" {
			continue
		}
		m := by[dir]
		if m == nil {
			m = &marks{}
			by[dir] = m
		}
		switch strings.ToLower(base) {
		case "adapter_config.json":
			m.adapter = true
		case "config.json":
			m.config = true
		case "readme.md":
			m.card = true
		}
		if fileRole(f) == "weights" {
			m.weights = true
		}
	}
	for d, m := range by {
		if !m.adapter && (!m.weights || !m.config && !m.card) {
			delete(by, d)
		}
	}
	return by
}

// owner returns the innermost sub-model folder holding p, or "." for the
// root model.
func owner(dirs []string, p string) string {
	best := "."
	for _, d := range dirs {
		if strings.HasPrefix(p, d+"/") && (best == "." || len(d) > len(best)) {
			best = d
		}
	}
	return best
}

// readSubModels reads the metadata of each sub-model folder: the folders
// subModelDirs finds, and the folders of a diffusers pipeline's model and
// scheduler components (not its tokenizer or feature extractor). A folder
// whose only claims are a README.md without front matter (the notes beside
// a set of test files) or a config.json that is not one is not a model.
func readSubModels(ctx context.Context, src *listing, files []scanners.FileResult, pipe *modelcard.Pipeline) ([]*subModel, []source.Problem) {
	cands := subModelDirs(files)
	parts := pipelineParts(files, pipe)
	for d := range parts {
		if cands[d] == nil {
			cands[d] = &marks{}
		}
	}
	dirs := make([]string, 0, len(cands))
	for d := range cands {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var out []*subModel
	var problems []source.Problem
	for _, d := range dirs {
		m, p := readMeta(src, d)
		x, px := readExtras(ctx, src, d)
		mk := cands[d]
		part := parts[d]
		if part == nil && !mk.adapter && m.config == nil && (m.card == nil || !m.card.HasFrontMatter) {
			continue
		}
		problems = append(problems, p...)
		problems = append(problems, px...)
		out = append(out, &subModel{dir: d, meta: m, x: x, part: part})
	}
	return out, problems
}

// pipelineParts returns the pipeline's components that are models or
// schedulers, by folder, for the folders the source has.
func pipelineParts(files []scanners.FileResult, pipe *modelcard.Pipeline) map[string]*modelcard.PipelineComponent {
	out := map[string]*modelcard.PipelineComponent{}
	if pipe == nil {
		return out
	}
	has := map[string]bool{}
	for _, f := range files {
		if d, _, ok := strings.Cut(f.Path, "/"); ok {
			has[d] = true
		}
	}
	for i, c := range pipe.Components {
		cls := strings.ToLower(c.Class)
		if !has[c.Name] || c.Class == "" || strings.Contains(cls, "tokenizer") || strings.Contains(cls, "processor") ||
			strings.Contains(cls, "featureextractor") {
			continue
		}
		out[c.Name] = &pipe.Components[i]
	}
	return out
}

// subModelComponent is the component of a sub-model: named after the
// source and its folder, described by its own card, config and adapter
// config, and by the headers of its own weight files.
func subModelComponent(src *listing, sm *subModel, infos, counted []*weightInfo) cdx.Component {
	c := cdx.Component{
		Type:   cdx.ComponentTypeMachineLearningModel,
		Name:   src.Name + "/" + sm.dir,
		BOMRef: refModel + src.Name + "/" + sm.dir,
		Properties: &[]cdx.Property{
			{Name: "aibom:model:path", Value: sm.dir},
		},
	}
	if sm.meta.adapter != nil {
		*c.Properties = append(*c.Properties, cdx.Property{Name: "aibom:model:kind", Value: "adapter"})
	}
	if sm.part != nil {
		*c.Properties = append(*c.Properties, cdx.Property{Name: propDiffusersComponent, Value: sm.part.Name},
			cdx.Property{Name: propDiffusersClass, Value: sm.part.Library + "." + sm.part.Class})
	}
	describeModel(&c, sm.meta, infos)
	describeExtras(&c, sm.x)
	if sm.part != nil {
		setArchitecture(&c, sm.part.Class)
	}
	addAncestor(&c, nameOrPathAncestor(sm.x, ""), "unknown", srcConfig)
	*c.Properties = append(*c.Properties, modelTotals(counted)...)
	return c
}

// dependency is the sub-model's entry in the graph: its files, the
// libraries its metadata names and the datasets its card names.
func (sm *subModel) dependency(files, libs []string) cdx.Dependency {
	on := union(files, libs)
	if sm.meta.card != nil {
		for _, n := range sm.meta.card.DatasetNames() {
			on = union(on, []string{modelcard.DatasetRef(n)})
		}
	}
	return cdx.Dependency{Ref: sm.comp.BOMRef, Dependencies: &on}
}
