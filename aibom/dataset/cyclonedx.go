package dataset

import (
	"fmt"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Classifications written to data[].classification.
const (
	ClassPIIAndSecrets = "contains-pii-and-secrets"
	ClassPII           = "contains-pii"
	ClassSecrets       = "contains-secrets"
	ClassNoneInSample  = "no-sensitive-data-found-in-sample"
	// ClassNoneInPartialSample: nothing found, but some files were not
	// sampled (compressed, encrypted, unreadable, over the budget).
	ClassNoneInPartialSample = "no-sensitive-data-found-in-partial-sample"
	ClassNotSampled          = "not-sampled"
)

// BOMRef is the component's bom-ref: "dataset:local/<path>".
func (d *Dataset) BOMRef() string { return "dataset:local/" + d.Path }

// Classification summarises the sample: one of the Class constants.
func (d *Dataset) Classification() string {
	var pii, secret bool
	for _, c := range d.Sensitive.Categories() {
		if c.Secret() {
			secret = true
		} else {
			pii = true
		}
	}
	switch {
	case pii && secret:
		return ClassPIIAndSecrets
	case pii:
		return ClassPII
	case secret:
		return ClassSecrets
	case d.SampledBytes == 0:
		return ClassNotSampled
	}
	for _, f := range d.Files {
		if f.NotSampled != "" {
			return ClassNoneInPartialSample
		}
	}
	return ClassNoneInSample
}

// SensitiveData lists "category: count" for each category found, sorted.
func (d *Dataset) SensitiveData() []string {
	var out []string
	for _, c := range d.Sensitive.Categories() {
		out = append(out, fmt.Sprintf("%s: %d", c, d.Sensitive[c]))
	}
	return out
}

// Component returns the dataset as a CycloneDX data component. The data
// files are not in it: the caller adds them (with their hashes) as
// components of their own, e.g. nested in this one.
func (d *Dataset) Component() cdx.Component {
	data := cdx.ComponentData{
		Type:           cdx.ComponentDataTypeDataset,
		Name:           d.Name,
		Classification: d.Classification(),
	}
	if s := d.SensitiveData(); len(s) > 0 {
		data.SensitiveData = &s
	}
	if d.Card != nil && len(d.Card.SizeCategories) > 0 {
		data.Description = "size category " + strings.Join(d.Card.SizeCategories, ", ")
	}
	c := cdx.Component{
		BOMRef: d.BOMRef(),
		Type:   cdx.ComponentTypeData,
		Name:   d.Name,
		Data:   &[]cdx.ComponentData{data},
	}
	if d.Card != nil && len(d.Card.License) > 0 {
		var ls cdx.Licenses
		for _, l := range d.Card.License {
			ls = append(ls, cdx.LicenseChoice{License: &cdx.License{Name: l}})
		}
		c.Licenses = &ls
	}
	props := d.properties()
	c.Properties = &props
	return c
}

func (d *Dataset) properties() []cdx.Property {
	var p []cdx.Property
	add := func(k, v string) {
		if v != "" {
			p = append(p, cdx.Property{Name: "aibom:dataset:" + k, Value: v})
		}
	}
	add("path", d.Path)
	formats := map[string]bool{}
	rows, exact, known := int64(0), true, true
	for _, f := range d.Files {
		formats[f.Format] = true
		if f.Rows < 0 {
			known = false
		} else {
			rows += f.Rows
		}
		exact = exact && !f.RowsApproximate
	}
	add("format", strings.Join(sortedKeys(formats), ","))
	add("files", fmt.Sprint(len(d.Files)))
	if known && len(d.Files) > 0 {
		add("rows", fmt.Sprint(rows))
		if !exact {
			add("rows-approximate", "true: line counts; quoted fields may hold newlines")
		}
	}
	add("columns", columnList(d.columns()))
	add("sample-bytes", fmt.Sprint(d.SampledBytes))
	var notSampled []string
	for _, f := range d.Files {
		if f.NotSampled != "" {
			notSampled = append(notSampled, f.Path+": "+f.NotSampled)
		}
	}
	add("not-sampled", strings.Join(notSampled, "; "))
	if c := d.Card; c != nil {
		add("card", "true")
		add("language", strings.Join(c.Language, ","))
		add("task-categories", strings.Join(c.TaskCategories, ","))
		add("size-categories", strings.Join(c.SizeCategories, ","))
		add("configs", strings.Join(c.Configs, ","))
		add("card-splits", splitList(c.Splits))
	}
	if d.CardErr != nil {
		add("card-error", clean([]byte(d.CardErr.Error()), 512))
	}
	for _, cat := range d.Sensitive.Categories() {
		p = append(p, cdx.Property{Name: "aibom:pii:" + string(cat), Value: fmt.Sprint(d.Sensitive[cat])})
	}
	return p
}

// columns are the card's features, else the first file's columns.
func (d *Dataset) columns() []Column {
	if d.Card != nil && len(d.Card.Features) > 0 {
		return d.Card.Features
	}
	for _, f := range d.Files {
		if len(f.Columns) > 0 {
			return f.Columns
		}
	}
	return nil
}

// columnList writes "name:type,name:type" ("name" alone without a type).
func columnList(cols []Column) string {
	parts := make([]string, 0, len(cols))
	for _, c := range cols {
		if c.Type != "" {
			parts = append(parts, c.Name+":"+c.Type)
		} else {
			parts = append(parts, c.Name)
		}
	}
	return strings.Join(parts, ",")
}

func splitList(m map[string]int64) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for i, k := range names {
		names[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(names, ",")
}

// Properties describe one data file, for the component the caller makes
// of it: format, rows, columns and how much was sampled.
func (f *File) Properties() []cdx.Property {
	p := []cdx.Property{{Name: "aibom:dataset:format", Value: f.Format}}
	if f.Rows >= 0 {
		p = append(p, cdx.Property{Name: "aibom:dataset:rows", Value: fmt.Sprint(f.Rows)})
		if f.RowsApproximate {
			p = append(p, cdx.Property{Name: "aibom:dataset:rows-approximate", Value: "true: line count; quoted fields may hold newlines"})
		}
	}
	if s := columnList(f.Columns); s != "" {
		p = append(p, cdx.Property{Name: "aibom:dataset:columns", Value: s})
	}
	p = append(p, cdx.Property{Name: "aibom:dataset:sample-bytes", Value: fmt.Sprint(f.SampledBytes)})
	if f.NotSampled != "" {
		p = append(p, cdx.Property{Name: "aibom:dataset:not-sampled", Value: f.NotSampled})
	}
	if f.Err != nil {
		p = append(p, cdx.Property{Name: "aibom:dataset:error", Value: clean([]byte(f.Err.Error()), 512)})
	}
	return p
}
