package aibom

import (
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/kitfile"
	"github.com/seed-43c89ce6/aibom/internal/bomschema"
)

// describeKit applies a KitOps Kitfile to the model component: its
// package name, version, description, authors and licenses (where the
// model card gave none) and the model's framework and format.
func describeKit(c *cdx.Component, kf *kitfile.Kitfile) {
	if kf == nil {
		return
	}
	p := kf.Package
	if p.Name != "" && c.PackageURL == "" { // a cache's repository id wins
		c.Name = p.Name
	}
	if c.Version == "" {
		c.Version = p.Version
		if c.Version == "" && kf.Model != nil {
			c.Version = kf.Model.Version
		}
	}
	if c.Description == "" {
		c.Description = p.Description
		if c.Description == "" && kf.Model != nil {
			c.Description = kf.Model.Description
		}
	}
	if len(p.Authors) > 0 {
		authors := make([]cdx.OrganizationalContact, len(p.Authors))
		for i, a := range p.Authors {
			authors[i] = cdx.OrganizationalContact{Name: a}
		}
		c.Authors = &authors
	}
	if c.Licenses == nil || len(*c.Licenses) == 0 {
		lic := p.License
		if lic == "" && kf.Model != nil {
			lic = kf.Model.License
		}
		if l := licenseChoices(lic); len(l) > 0 {
			c.Licenses = &l
		}
	}
	var props propList
	props.add("aibom:kitfile:manifest_version", kf.ManifestVersion)
	if m := kf.Model; m != nil {
		props.add("aibom:kitfile:model:name", m.Name)
		props.add("aibom:kitfile:model:path", m.Path)
		props.add("aibom:kitfile:model:framework", m.Framework)
		props.add("aibom:kitfile:model:format", m.Format)
	}
	*c.Properties = append(*c.Properties, props...)
}

// licenseChoices maps a license string to CycloneDX: an SPDX id the
// schema knows, an expression, or a named license.
func licenseChoices(s string) cdx.Licenses {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil
	case bomschema.IsSPDXID(s):
		return cdx.Licenses{{License: &cdx.License{ID: s}}}
	case strings.Contains(s, " OR ") || strings.Contains(s, " AND ") || strings.Contains(s, " WITH "):
		return cdx.Licenses{{Expression: s}}
	}
	return cdx.Licenses{{License: &cdx.License{Name: s}}}
}

// kitLayers gives each file the Kitfile section that names it, as KitOps
// packs each section into its own layer: model, model-part (with its
// type), dataset, code or docs.
func kitLayers(kf *kitfile.Kitfile, file string) []cdx.Property {
	if kf == nil {
		return nil
	}
	var out []cdx.Property
	add := func(layer, detail string) {
		out = append(out, cdx.Property{Name: "aibom:kitfile:layer", Value: layer})
		if detail != "" {
			out = append(out, cdx.Property{Name: "aibom:kitfile:" + layer, Value: detail})
		}
	}
	if m := kf.Model; m != nil {
		if m.Path != "" && kitfile.Covers(m.Path, file) {
			add("model", "")
		}
		for _, p := range m.Parts {
			if p.Path != "" && kitfile.Covers(p.Path, file) {
				add("model-part", strings.Trim(p.Name+" "+p.Type, " "))
			}
		}
	}
	for _, d := range kf.Datasets {
		if d.Path != "" && kitfile.Covers(d.Path, file) {
			add("dataset", d.Name)
		}
	}
	for _, c := range kf.Code {
		if c.Path != "" && kitfile.Covers(c.Path, file) {
			add("code", "")
		}
	}
	for _, d := range kf.Docs {
		if d.Path != "" && kitfile.Covers(d.Path, file) {
			add("docs", "")
		}
	}
	return out
}

// kitDatasets turns the Kitfile's datasets into data components. The
// detector has already made each declared path a dataset when it holds
// data files (see dataset.WithDeclared); it gets the Kitfile's name,
// description and license, and every file under its path. A declared path
// without data files (images, audio) becomes a component of its own.
func kitDatasets(kf *kitfile.Kitfile, src *listing, sets *localSets) {
	if kf == nil {
		return
	}
	for _, d := range kf.Datasets {
		if d.Path == "" {
			continue
		}
		comp := findComponent(sets.comps, "dataset:local/"+d.Path)
		if comp == nil {
			sets.comps = append(sets.comps, kitDataset(d))
			comp = &sets.comps[len(sets.comps)-1]
		}
		for _, f := range src.Files {
			if kitfile.Covers(d.Path, f.Path) && !slices.Contains(sets.files[comp.BOMRef], fileRef(f.Path)) {
				sets.files[comp.BOMRef] = append(sets.files[comp.BOMRef], fileRef(f.Path))
			}
		}
		if d.Name != "" {
			comp.Name = d.Name
		}
		if d.Description != "" {
			comp.Description = d.Description
		}
		if l := licenseChoices(d.License); len(l) > 0 {
			comp.Licenses = &l
		}
	}
}

func findComponent(comps []cdx.Component, ref string) *cdx.Component {
	for i := range comps {
		if comps[i].BOMRef == ref {
			return &comps[i]
		}
	}
	return nil
}

func kitDataset(d kitfile.Dataset) cdx.Component {
	name := d.Name
	if name == "" {
		name = d.Path
	}
	return cdx.Component{
		Type: cdx.ComponentTypeData, Name: name, BOMRef: "dataset:kit/" + d.Path,
		Data:       &[]cdx.ComponentData{{Type: cdx.ComponentDataTypeDataset, Name: name}},
		Properties: &[]cdx.Property{{Name: "aibom:dataset:source", Value: "Kitfile"}, {Name: "aibom:dataset:path", Value: d.Path}},
	}
}
