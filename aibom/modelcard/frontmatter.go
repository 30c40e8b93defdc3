package modelcard

import (
	"github.com/seed-43c89ce6/aibom/internal/frontmatter"

	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxScalarLen bounds every string taken from the front matter.
const maxScalarLen = 4 << 10

// parseFrontMatter fills c from the YAML in meta, which starts on file line
// metaLine. Fields of an unexpected type are skipped, not errors.
func (c *Card) parseFrontMatter(meta []byte, metaLine int, name string) error {
	root, err := decodeYAML(meta, metaLine, name)
	if root == nil {
		var se *SyntaxError
		if errors.As(err, &se) && se.Err != nil {
			c.salvage(meta)
		}
		return err
	}
	c.setMapping(root)
	return err
}

func (c *Card) setMapping(root *yaml.Node) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		c.setField(scalar(root.Content[i]), root.Content[i+1])
	}
}

// salvage recovers what it can from front matter that does not parse as a
// whole: each top-level entry (a line at column 0 and the indented, list or
// comment lines after it) is decoded on its own, and the entries that parse
// are kept. Only the broken entries are lost, and the entries after the
// first maxSalvage.
func (c *Card) salvage(meta []byte) {
	var chunk []byte
	decode := func() {
		if len(chunk) > 0 {
			if doc, err := frontmatter.Decode(chunk); err == nil && len(doc.Content) > 0 &&
				doc.Content[0].Kind == yaml.MappingNode {
				c.setMapping(doc.Content[0])
			}
		}
		chunk = chunk[:0]
	}
	for entries := 0; len(meta) > 0; {
		var line []byte
		line, meta, _ = bytes.Cut(meta, []byte("\n"))
		if len(line) > 0 && !strings.ContainsRune(" \t-#\r", rune(line[0])) {
			if entries++; entries > maxSalvage {
				return
			}
			decode()
		}
		chunk = append(append(chunk, line...), '\n')
	}
	decode()
}

// setField stores one top-level front matter entry. A key given twice keeps
// its last value, as PyYAML (used by huggingface_hub) does.
func (c *Card) setField(key string, v *yaml.Node) {
	switch key {
	case "license":
		c.License = strList(v)
	case "license_name":
		c.LicenseName = scalar(v)
	case "license_link":
		c.LicenseLink = scalar(v)
	case "language":
		c.Language = strList(v)
	case "library_name":
		c.LibraryName = scalar(v)
	case "pipeline_tag":
		c.PipelineTag = scalar(v)
	case "tags":
		c.Tags = strList(v)
	case "datasets":
		c.Datasets = strList(v)
	case "metrics":
		c.Metrics = strList(v)
	case "base_model":
		c.BaseModel = strList(v)
	case "base_model_relation":
		c.BaseModelRelation = scalar(v)
	case "model_name":
		c.ModelName = scalar(v)
	case "model_creator":
		c.ModelCreator = scalar(v)
	case "quantized_by":
		c.QuantizedBy = scalar(v)
	case "inference":
		if b, err := strconv.ParseBool(scalar(v)); err == nil {
			c.Inference = &b
		}
	case "model-index":
		c.ModelIndex = modelIndex(v)
	case "co2_eq_emissions":
		c.CO2 = emissions(v)
	}
}

func deref(n *yaml.Node) *yaml.Node   { return frontmatter.Deref(n) }
func scalar(n *yaml.Node) string      { return frontmatter.Scalar(n, maxScalarLen) }
func strList(n *yaml.Node) []string   { return frontmatter.StrList(n, maxListItems, maxScalarLen) }
func items(n *yaml.Node) []*yaml.Node { return frontmatter.Items(n, maxListItems) }

func get(n *yaml.Node, key string) *yaml.Node { return frontmatter.Get(n, key, maxScalarLen) }

func modelIndex(n *yaml.Node) []ModelIndex {
	var out []ModelIndex
	budget := maxMetrics
	for _, entry := range items(n) {
		mi := ModelIndex{Name: scalar(get(entry, "name"))}
		for _, res := range items(get(entry, "results")) {
			r := Result{
				TaskType: scalar(get(get(res, "task"), "type")),
				TaskName: scalar(get(get(res, "task"), "name")),
			}
			ds := get(res, "dataset")
			r.Dataset = EvalDataset{
				Name:   scalar(get(ds, "name")),
				Type:   scalar(get(ds, "type")),
				Config: scalar(get(ds, "config")),
				Split:  scalar(get(ds, "split")),
			}
			for _, m := range items(get(res, "metrics")) {
				if budget == 0 {
					break
				}
				budget--
				verified, _ := strconv.ParseBool(scalar(get(m, "verified")))
				r.Metrics = append(r.Metrics, Metric{
					Type:     scalar(get(m, "type")),
					Name:     scalar(get(m, "name")),
					Value:    scalar(get(m, "value")),
					Verified: verified,
				})
			}
			mi.Results = append(mi.Results, r)
		}
		out = append(out, mi)
	}
	return out
}

// emissions reads co2_eq_emissions: a mapping, or (in older cards) a number.
func emissions(n *yaml.Node) *Emissions {
	n = deref(n)
	if n == nil {
		return nil
	}
	e := &Emissions{}
	grams := scalar(n)
	if n.Kind == yaml.MappingNode {
		grams = scalar(get(n, "emissions"))
		e.Source = scalar(get(n, "source"))
		e.TrainingType = scalar(get(n, "training_type"))
		e.GeographicalLocation = scalar(get(n, "geographical_location"))
		e.HardwareUsed = scalar(get(n, "hardware_used"))
	}
	if g, err := strconv.ParseFloat(grams, 64); err == nil && g >= 0 && !math.IsInf(g, 0) {
		e.Grams, e.HasGrams = g, true
	}
	if *e == (Emissions{}) {
		return nil
	}
	return e
}

func truncate(s string, n int) string { return frontmatter.Truncate(s, n) }
