package aibom

import (
	"fmt"
	"io"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Change is one difference between two BOMs.
type Change struct {
	// Kind is "added", "removed" or "changed".
	Kind string `json:"kind"`
	// Area is what changed: "file", "weights", "chat-template",
	// "tokenizer", "dataset" (a data file), "model", "lineage", "license",
	// "finding", "library" or "sensitive-data" (what a local dataset's
	// sample was classified as).
	Area string `json:"area"`
	// Subject names the file, model, ancestor, license or finding.
	Subject string `json:"subject"`
	// Old and New are the values before and after, when they are values.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
}

// Diff lists what changed from old to new: files (by name, with their
// SHA-256), the model's identity, its lineage and licenses, and the
// findings, for release reviews. The result is sorted.
func Diff(old, cur *cdx.BOM) []Change {
	var out []Change
	out = append(out, diffFiles(old, cur)...)
	out = append(out, diffSets("lineage", ancestors(old), ancestors(cur))...)
	out = append(out, diffSets("license", licenses(old), licenses(cur))...)
	out = append(out, diffSets("finding", findings(old), findings(cur))...)
	out = append(out, diffValues("library", libraryVersions(old), libraryVersions(cur))...)
	out = append(out, diffValues("sensitive-data", datasetClasses(old), datasetClasses(cur))...)
	om, nm := model(old), model(cur)
	for _, f := range [][3]string{{"name", om.Name, nm.Name}, {"version", om.Version, nm.Version}, {"purl", om.PackageURL, nm.PackageURL}} {
		if f[1] != f[2] {
			out = append(out, Change{Kind: "changed", Area: "model", Subject: f[0], Old: f[1], New: f[2]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Area != out[j].Area {
			return out[i].Area < out[j].Area
		}
		return out[i].Subject < out[j].Subject
	})
	return out
}

func model(b *cdx.BOM) cdx.Component {
	if b.Metadata != nil && b.Metadata.Component != nil {
		return *b.Metadata.Component
	}
	return cdx.Component{}
}

type fileInfo struct{ digest, role string }

func files(b *cdx.BOM) map[string]fileInfo {
	m := map[string]fileInfo{}
	if b.Components == nil {
		return m
	}
	for _, c := range *b.Components {
		if c.Type != cdx.ComponentTypeFile {
			continue
		}
		fi := fileInfo{role: "file"}
		if r := property(c, propFileRole); r != "" {
			fi.role = r
		}
		if c.Hashes != nil {
			for _, h := range *c.Hashes {
				if h.Algorithm == cdx.HashAlgoSHA256 {
					fi.digest = h.Value
				}
			}
		}
		m[c.Name] = fi
	}
	return m
}

func diffFiles(old, cur *cdx.BOM) []Change {
	of, nf := files(old), files(cur)
	var out []Change
	for name, o := range of {
		n, ok := nf[name]
		switch {
		case !ok:
			out = append(out, Change{Kind: "removed", Area: o.role, Subject: name, Old: o.digest})
		case n.digest != o.digest:
			out = append(out, Change{Kind: "changed", Area: n.role, Subject: name, Old: o.digest, New: n.digest})
		}
	}
	for name, n := range nf {
		if _, ok := of[name]; !ok {
			out = append(out, Change{Kind: "added", Area: n.role, Subject: name, New: n.digest})
		}
	}
	return out
}

func diffSets(area string, old, cur map[string]bool) []Change {
	var out []Change
	for k := range old {
		if !cur[k] {
			out = append(out, Change{Kind: "removed", Area: area, Subject: k})
		}
	}
	for k := range cur {
		if !old[k] {
			out = append(out, Change{Kind: "added", Area: area, Subject: k})
		}
	}
	return out
}

// diffValues compares keyed values: a key only in one is added or
// removed, a key in both with another value changed.
func diffValues(area string, old, cur map[string]string) []Change {
	var out []Change
	for k, v := range old {
		nv, ok := cur[k]
		switch {
		case !ok:
			out = append(out, Change{Kind: "removed", Area: area, Subject: k, Old: v})
		case nv != v:
			out = append(out, Change{Kind: "changed", Area: area, Subject: k, Old: v, New: nv})
		}
	}
	for k, v := range cur {
		if _, ok := old[k]; !ok {
			out = append(out, Change{Kind: "added", Area: area, Subject: k, New: v})
		}
	}
	return out
}

// libraryVersions keys each library by its purl without the version, so
// that an upgrade is one change; the value is the version, or the
// constraint when nothing pins one.
func libraryVersions(b *cdx.BOM) map[string]string {
	m := map[string]string{}
	if b.Components == nil {
		return m
	}
	for _, c := range *b.Components {
		if c.Type != cdx.ComponentTypeLibrary {
			continue
		}
		key, _, _ := strings.Cut(c.PackageURL, "@")
		if key == "" {
			key = c.Name
		}
		v := c.Version
		if v == "" {
			v = property(c, "aibom:library:constraint")
		}
		if have, ok := m[key]; ok && have != v { // the same package pinned twice
			v = have + "," + v
		}
		m[key] = v
	}
	return m
}

// datasetClasses keys each dataset by its bom-ref; the value is what its
// sample was classified as (a dataset that starts holding personal data is
// a change).
func datasetClasses(b *cdx.BOM) map[string]string {
	m := map[string]string{}
	if b.Components == nil {
		return m
	}
	for _, c := range *b.Components {
		if c.Type != cdx.ComponentTypeData {
			continue
		}
		v := ""
		if c.Data != nil && len(*c.Data) > 0 {
			v = (*c.Data)[0].Classification
		}
		m[strings.TrimPrefix(c.BOMRef, "dataset:")] = v
	}
	return m
}

func ancestors(b *cdx.BOM) map[string]bool {
	m := map[string]bool{}
	c := model(b)
	if c.Pedigree != nil && c.Pedigree.Ancestors != nil {
		for _, a := range *c.Pedigree.Ancestors {
			id := a.Name
			if a.Group != "" {
				id = a.Group + "/" + id
			}
			if a.Version != "" {
				id += "@" + a.Version
			}
			m[id] = true
		}
	}
	return m
}

func licenses(b *cdx.BOM) map[string]bool {
	m := map[string]bool{}
	c := model(b)
	if c.Licenses == nil {
		return m
	}
	for _, l := range *c.Licenses {
		switch {
		case l.License != nil && l.License.ID != "":
			m[l.License.ID] = true
		case l.License != nil:
			m[l.License.Name] = true
		case l.Expression != "":
			m[l.Expression] = true
		}
	}
	return m
}

// findings keys each vulnerability by rule and affected file, so that a
// finding that moved offset is not reported as new.
func findings(b *cdx.BOM) map[string]bool {
	m := map[string]bool{}
	if b.Vulnerabilities == nil {
		return m
	}
	for _, v := range *b.Vulnerabilities {
		var refs []string
		if v.Affects != nil {
			for _, a := range *v.Affects {
				refs = append(refs, strings.TrimPrefix(a.Ref, refFile))
			}
		}
		m[v.ID+" in "+strings.Join(refs, ",")] = true
	}
	return m
}

// WriteDiff prints changes for people, one per line.
func WriteDiff(w io.Writer, changes []Change) error {
	if len(changes) == 0 {
		_, err := fmt.Fprintln(w, "no changes")
		return err
	}
	sign := map[string]string{"added": "+", "removed": "-", "changed": "~"}
	for _, c := range changes {
		line := fmt.Sprintf("%s %-13s %s", sign[c.Kind], c.Area, c.Subject)
		if c.Kind == "changed" {
			line += fmt.Sprintf(" (%s -> %s)", short(c.Old), short(c.New))
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

func short(s string) string {
	if len(s) == 64 {
		return s[:12]
	}
	return s
}
