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
func (c *Card) parseFrontMatter(meta []byte, metaLine int, name string, lim limits) error {
	root, err := decodeYAML(meta, metaLine, name)
	if root == nil {
		var se *SyntaxError
		if errors.As(err, &se) && se.Err != nil {
			c.salvage(meta, lim)
		}
		return err
	}
	c.setMapping(root, lim)
	return err
}

func (c *Card) setMapping(root *yaml.Node, lim limits) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		c.setField(scalar(root.Content[i]), root.Content[i+1], lim)
	}
}

// salvage recovers what it can from front matter that does not parse as a
// whole: each top-level entry (a line at column 0 and the indented, list or
// comment lines after it) is decoded on its own, and the entries that parse
// are kept. Only the broken entries are lost, and the entries after the
// first maxSalvage.
func (c *Card) salvage(meta []byte, lim limits) {
	var chunk []byte
	decode := func() {
		if len(chunk) > 0 {
			if doc, err := frontmatter.Decode(chunk); err == nil && len(doc.Content) > 0 &&
				doc.Content[0].Kind == yaml.MappingNode {
				c.setMapping(doc.Content[0], lim)
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
func (c *Card) setField(key string, v *yaml.Node, lim limits) {
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
		c.ModelIndex = c.modelIndex(v, lim)
	case "co2_eq_emissions":
		c.CO2 = emissions(v)
	}
}

func deref(n *yaml.Node) *yaml.Node   { return frontmatter.Deref(n) }
func scalar(n *yaml.Node) string      { return frontmatter.Scalar(n, maxScalarLen) }
func strList(n *yaml.Node) []string   { return frontmatter.StrList(n, maxListItems, maxScalarLen) }
func items(n *yaml.Node) []*yaml.Node { return frontmatter.Items(n, maxListItems) }

func get(n *yaml.Node, key string) *yaml.Node { return frontmatter.Get(n, key, maxScalarLen) }

// modelIndex reads the model-index entries. Their results and metrics are
// kept up to lim.metrics in all (results count against the bound too, so
// that aliases cannot multiply the work); the metrics left out are counted
// in c.MetricsOmitted, a lower bound once counting them too would cost
// more than lim.metrics steps.
func (c *Card) modelIndex(n *yaml.Node, lim limits) []ModelIndex {
	var out []ModelIndex
	budget, work := lim.metrics, lim.metrics
	c.MetricsOmitted, c.MetricsOmittedAtLeast = 0, false
	for _, entry := range items(n) {
		mi := ModelIndex{Name: scalar(get(entry, "name"))}
		for _, res := range frontmatter.Items(get(entry, "results"), math.MaxInt) {
			if budget == 0 {
				if work == 0 {
					c.MetricsOmittedAtLeast = true
					break
				}
				work--
				c.MetricsOmitted += len(frontmatter.Items(get(res, "metrics"), math.MaxInt))
				continue
			}
			budget--
			r := result(res)
			ms := frontmatter.Items(get(res, "metrics"), math.MaxInt)
			keep := min(len(ms), budget)
			budget -= keep
			c.MetricsOmitted += len(ms) - keep
			for _, m := range ms[:keep] {
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

// result reads one model-index result, without its metrics.
func result(res *yaml.Node) Result {
	ds := get(res, "dataset")
	return Result{
		TaskType: scalar(get(get(res, "task"), "type")),
		TaskName: scalar(get(get(res, "task"), "name")),
		Dataset: EvalDataset{
			Name:     scalar(get(ds, "name")),
			Type:     scalar(get(ds, "type")),
			Config:   scalar(get(ds, "config")),
			Split:    scalar(get(ds, "split")),
			Revision: scalar(get(ds, "revision")),
		},
	}
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
