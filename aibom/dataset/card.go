package dataset

import (
	"context"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/internal/frontmatter"
	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// Card is what a Hugging Face dataset card's YAML front matter says.
type Card struct {
	PrettyName     string
	License        []string
	Language       []string
	TaskCategories []string
	SizeCategories []string
	// Configs are the names of the configs (subsets).
	Configs []string
	// Features are the columns of dataset_info.features (of the first
	// config when there are several).
	Features []Column
	// Splits maps a split's name to num_examples from dataset_info.
	Splits map[string]int64
	// IsDataset is set when a key only dataset cards use is present.
	IsDataset bool
}

// ErrNoFrontMatter is returned for a README.md without YAML front matter.
var ErrNoFrontMatter = errors.New("dataset: card has no YAML front matter")

// datasetKeys are front matter keys that only dataset cards use.
var datasetKeys = map[string]bool{
	"configs": true, "dataset_info": true, "task_categories": true, "task_ids": true,
	"size_categories": true, "source_datasets": true, "annotations_creators": true,
	"language_creators": true, "multilinguality": true, "pretty_name": true,
	"paperswithcode_id": true, "train-eval-index": true, "viewer": true,
}

const maxCardList = 256

// readCard reads and parses the card f, at most limit bytes.
func readCard(ctx context.Context, f source.File, limit int64) (*Card, error) {
	rc, err := f.Entry.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := safeio.ReadAll(rc, limit)
	if err != nil {
		return nil, err
	}
	return ParseCard(b)
}

// ParseCard parses the YAML front matter of a dataset card (README.md). The
// front matter sits between a first line "---" and the next line "---".
func ParseCard(b []byte) (*Card, error) {
	meta, _, _, unclosed := frontmatter.Split(b)
	switch {
	case unclosed:
		return nil, fmt.Errorf("%w: no closing ---", ErrNoFrontMatter)
	case meta == nil:
		return nil, ErrNoFrontMatter
	}
	root, err := frontmatter.Decode(meta)
	if err != nil {
		return nil, fmt.Errorf("dataset: card front matter: %w", err)
	}
	c := &Card{}
	if len(root.Content) == 0 {
		return c, nil
	}
	m := deref(root.Content[0])
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, errors.New("dataset: card front matter is not a mapping")
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		c.set(scalar(m.Content[i]), deref(m.Content[i+1]))
	}
	return c, nil
}

func (c *Card) set(key string, v *yaml.Node) {
	c.IsDataset = c.IsDataset || datasetKeys[key]
	switch key {
	case "pretty_name":
		c.PrettyName = scalar(v)
	case "license":
		c.License = strList(v)
	case "language":
		c.Language = strList(v)
	case "task_categories":
		c.TaskCategories = strList(v)
	case "size_categories":
		c.SizeCategories = strList(v)
	case "configs":
		c.Configs = nil
		for _, e := range seq(v) {
			if n := mapGet(e, "config_name"); n != nil {
				c.Configs = append(c.Configs, scalar(n))
			}
		}
	case "dataset_info":
		info := v
		if s := seq(v); len(s) > 0 {
			info = s[0]
		}
		c.datasetInfo(info)
	}
}

// datasetInfo reads features (name, dtype) and splits (name, num_examples).
func (c *Card) datasetInfo(info *yaml.Node) {
	c.Features = nil
	for _, f := range seq(mapGet(info, "features")) {
		col := Column{Name: scalar(mapGet(f, "name")), Type: scalar(mapGet(f, "dtype"))}
		if col.Type == "" && mapGet(f, "dtype") == nil {
			col.Type = "struct"
		}
		if col.Name != "" && len(c.Features) < maxCardList {
			c.Features = append(c.Features, col)
		}
	}
	for _, s := range seq(mapGet(info, "splits")) {
		var n int64
		ne := mapGet(s, "num_examples")
		if ne == nil || ne.Kind != yaml.ScalarNode || ne.Decode(&n) != nil || n < 0 {
			continue
		}
		if c.Splits == nil {
			c.Splits = map[string]int64{}
		}
		if name := scalar(mapGet(s, "name")); name != "" && len(c.Splits) < maxCardList {
			c.Splits[name] = n
		}
	}
}

func deref(n *yaml.Node) *yaml.Node { return frontmatter.Deref(n) }

func scalar(n *yaml.Node) string {
	return clean([]byte(frontmatter.Scalar(n, frontmatter.MaxSize)), 512)
}

func seq(n *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for _, e := range frontmatter.Items(n, maxCardList) {
		if e = deref(e); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// strList reads a scalar or a sequence of scalars.
func strList(n *yaml.Node) []string {
	if s := scalar(n); s != "" {
		return []string{s}
	}
	var out []string
	for _, e := range seq(n) {
		if s := scalar(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	return deref(frontmatter.Get(n, key, frontmatter.MaxSize))
}
