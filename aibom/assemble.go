package aibom

import (
	"slices"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/libraries"
	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// models is the metadata of the root model and its sub-models.
type models struct {
	meta repoMeta
	x    repoExtras
	subs []*subModel
}

// bomParts collects what the stages of assemble add: components,
// dependency entries, findings, per-file properties and problems.
type bomParts struct {
	comps    []cdx.Component
	deps     []cdx.Dependency
	vulns    []cdx.Vulnerability
	fileProp map[string][]cdx.Property
	problems []source.Problem
}

// assemble puts the BOM together: the model as metadata.component, a
// component per file, per model in a sub-folder, per dataset named by the
// cards or the headers and per local dataset folder, the libraries, the
// dependency graph and the findings. It returns the problems it found
// (code that auto_map names but the source lacks).
func assemble(src *listing, files []fileEntry, ms models, sets localSets, found []libraries.Library, o *options) (*cdx.BOM, []source.Problem) {
	bom := cdx.NewBOM()
	bom.SerialNumber = o.serial
	owned := partition(files, ms.subs)
	pick := func(idx []int) []*weightInfo { return infosAt(files, idx) }
	present := make(map[string]bool, len(files))
	for _, f := range files {
		present[f.src.Path] = true
	}
	parts := bomParts{fileProp: map[string][]cdx.Property{}}
	libs := newLibSet(found)

	model, rootPlan := rootModel(src, files, ms, owned, &parts, present)
	counted := pick(rootPlan.counted)
	refs := fileRefsOf(files, owned["."])
	for _, sm := range ms.subs {
		counted = append(counted, pick(parts.subModel(src, sm, files, owned[sm.dir], libs, present))...)
		refs = append(refs, sm.comp.BOMRef)
	}
	*model.Properties = append(*model.Properties, modelTotals(counted)...)
	*model.Properties = append(*model.Properties, rootPlan.modelProps()...)
	bom.Metadata = &cdx.Metadata{
		Timestamp: o.now.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: ToolName, Version: o.version,
			BOMRef: refTool,
		}}},
		Component: &model,
	}
	fcomps, fvulns := fileComponents(files, ms.meta, sets, parts.fileProp, o)
	comps := slices.Concat(fcomps, parts.comps)
	deps := parts.deps
	metas := []repoMeta{ms.meta}
	for _, sm := range ms.subs {
		metas = append(metas, sm.meta)
	}
	for _, group := range [][]cdx.Component{namedDatasets(pick(allIndexes(files)), metas...), sets.comps} {
		for _, d := range group {
			comps = append(comps, d)
			refs = append(refs, d.BOMRef)
			dd := sets.files[d.BOMRef]
			deps = append(deps, cdx.Dependency{Ref: d.BOMRef, Dependencies: &dd})
		}
	}
	refs = union(refs, libs.needs(ms.meta, ms.x))
	refs = union(refs, rootLibraries(found))
	sc, sv, sd := shadowedComponents(src.shadowed)
	comps, deps, parts.vulns = append(comps, sc...), append(deps, sd...), append(parts.vulns, sv...)
	lc, ld := libs.parts()
	comps, deps = append(comps, lc...), append(deps, ld...)
	bom.Components = &comps
	deps = append([]cdx.Dependency{{Ref: model.BOMRef, Dependencies: &refs}}, deps...)
	deps = append(deps, fileDependencies(files)...)
	bom.Dependencies = &deps
	if vulns := slices.Concat(fvulns, parts.vulns); len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}
	return bom, parts.problems
}

// rootModel describes the root model and returns its weight plan.
func rootModel(src *listing, files []fileEntry, ms models, owned map[string][]int, parts *bomParts, present map[string]bool) (cdx.Component, weightPlan) {
	model := modelComponent(src)
	plan := planWeights(files, owned["."], ".", ms.x.pipeline != nil)
	describeModel(&model, ms.meta, infosAt(files, owned["."]))
	identity(&model, src, ms.meta, ms.x)
	describePipeline(&model, ms.x)
	describeExtras(&model, ms.x)
	ggufAsModel(&model, files, plan.counted)
	addAncestor(&model, nameOrPathAncestor(ms.x, model.Group+"/"+model.Name), "unknown", srcConfig)
	describeArtifact(&model, src.art, src.modelPack)
	parts.remoteCode(model.BOMRef, ".", ms.x, present)
	parts.plan(plan, files)
	return model, plan
}

// subModel describes a sub-model (its component and dependency entry go
// into parts) and returns the files whose parameters count.
func (p *bomParts) subModel(src *listing, sm *subModel, files []fileEntry, owned []int, libs *libSet, present map[string]bool) []int {
	plan := planWeights(files, owned, sm.dir, false)
	p.plan(plan, files)
	sm.comp = subModelComponent(src, sm, infosAt(files, owned), infosAt(files, plan.counted))
	*sm.comp.Properties = append(*sm.comp.Properties, plan.modelProps()...)
	p.remoteCode(sm.comp.BOMRef, sm.dir, sm.x, present)
	p.comps = append(p.comps, sm.comp)
	p.deps = append(p.deps, sm.dependency(fileRefsOf(files, owned), libs.needs(sm.meta, sm.x)))
	return plan.counted
}

func infosAt(files []fileEntry, idx []int) []*weightInfo {
	out := make([]*weightInfo, 0, len(idx))
	for _, i := range idx {
		out = append(out, files[i].info)
	}
	return out
}

// plan records a model's weight plan: the properties of its alternative
// copies.
func (p *bomParts) plan(wp weightPlan, files []fileEntry) {
	for i := range wp.alt {
		path := files[i].src.Path
		p.fileProp[path] = append(p.fileProp[path], wp.copyProps(i)...)
	}
}

// remoteCode records the finding, file properties and problems of a
// model's auto_map.
func (p *bomParts) remoteCode(ref, dir string, x repoExtras, present map[string]bool) {
	rc := findRemoteCode(ref, dir, x, present)
	if rc.vuln != nil {
		p.vulns = append(p.vulns, *rc.vuln)
	}
	for f, props := range rc.files {
		p.fileProp[f] = append(p.fileProp[f], props...)
	}
	p.problems = append(p.problems, rc.problems...)
}

func fileRefsOf(files []fileEntry, idx []int) []string {
	out := make([]string, 0, len(idx))
	for _, i := range idx {
		out = append(out, fileRef(files[i].src.Path))
	}
	return out
}

func allIndexes(files []fileEntry) []int {
	out := make([]int, len(files))
	for i := range files {
		out[i] = i
	}
	return out
}
