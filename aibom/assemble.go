package aibom

import (
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
	pick := func(idx []int) []*weightInfo {
		var out []*weightInfo
		for _, i := range idx {
			out = append(out, files[i].info)
		}
		return out
	}
	present := make(map[string]bool, len(files))
	for _, f := range files {
		present[f.src.Path] = true
	}
	parts := bomParts{fileProp: map[string][]cdx.Property{}}
	libs := newLibSet(found)

	model := modelComponent(src)
	rootPlan := planWeights(files, owned["."], ".", ms.x.pipeline != nil)
	describeModel(&model, ms.meta, pick(owned["."]))
	identity(&model, src, ms.meta, ms.x)
	describePipeline(&model, ms.x)
	describeExtras(&model, ms.x)
	ggufAsModel(&model, files, rootPlan.counted)
	addAncestor(&model, nameOrPathAncestor(ms.x, model.Group+"/"+model.Name), "unknown", srcConfig)
	describeArtifact(&model, src.art, src.modelPack)
	parts.remoteCode(model.BOMRef, ".", ms.x, present)
	parts.plan(rootPlan, files)

	counted := pick(rootPlan.counted)
	refs := fileRefsOf(files, owned["."])
	for _, sm := range ms.subs {
		plan := planWeights(files, owned[sm.dir], sm.dir, false)
		parts.plan(plan, files)
		sm.comp = subModelComponent(src, sm, pick(owned[sm.dir]), pick(plan.counted))
		*sm.comp.Properties = append(*sm.comp.Properties, plan.modelProps()...)
		parts.remoteCode(sm.comp.BOMRef, sm.dir, sm.x, present)
		counted = append(counted, pick(plan.counted)...)
		parts.comps = append(parts.comps, sm.comp)
		refs = append(refs, sm.comp.BOMRef)
		parts.deps = append(parts.deps, sm.dependency(fileRefsOf(files, owned[sm.dir]), libs.needs(sm.meta, sm.x)))
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
	comps := append(fcomps, parts.comps...)
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
	if vulns := append(fvulns, parts.vulns...); len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}
	return bom, parts.problems
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
