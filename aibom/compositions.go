package aibom

import (
	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// compositions says how complete the BOM is:
//
//   - the model: "complete" when every file and every metadata file of the
//     source was read, "incomplete" when there were problems (each one is
//     on stderr and in Result.Problems);
//   - the files whose content is not present (Git LFS pointers):
//     "incomplete", as their content was not scanned;
//   - the libraries known only from model metadata (a version in a
//     config, no lock file): their own dependencies are "unknown".
func compositions(bom *cdx.BOM, files []fileEntry, problems []source.Problem) *[]cdx.Composition {
	model := bom.Metadata.Component.BOMRef
	agg := cdx.CompositionAggregateComplete
	if len(problems) > 0 {
		agg = cdx.CompositionAggregateIncomplete
	}
	out := []cdx.Composition{{
		BOMRef: "composition:model", Aggregate: agg,
		Assemblies: &[]cdx.BOMReference{cdx.BOMReference(model)}, Dependencies: &[]cdx.BOMReference{cdx.BOMReference(model)},
	}}
	var absent []cdx.BOMReference
	for _, f := range files {
		if pointerOf(f.scan) != nil {
			absent = append(absent, cdx.BOMReference(fileRef(f.src.Path)))
		}
	}
	if len(absent) > 0 {
		out = append(out, cdx.Composition{BOMRef: "composition:absent-content", Aggregate: cdx.CompositionAggregateIncomplete, Assemblies: &absent})
	}
	var meta []cdx.BOMReference
	for _, c := range *bom.Components {
		if c.Type == cdx.ComponentTypeLibrary && props1(c, "aibom:library:source") == "model metadata" {
			meta = append(meta, cdx.BOMReference(c.BOMRef))
		}
	}
	if len(meta) > 0 {
		out = append(out, cdx.Composition{BOMRef: "composition:metadata-libraries", Aggregate: cdx.CompositionAggregateUnknown, Dependencies: &meta})
	}
	return &out
}

// props1 returns the value of c's first property named name.
func props1(c cdx.Component, name string) string {
	if c.Properties == nil {
		return ""
	}
	for _, p := range *c.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}
