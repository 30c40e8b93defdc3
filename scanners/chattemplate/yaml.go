package chattemplate

import (
	"bytes"
	"path"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// maxYAMLDepth bounds how deep the search for chat_template keys goes.
const maxYAMLDepth = 64

// yamlName reports whether f (the file, or the archive member) is named
// like a YAML file: YAML has no magic, and the servers and training tools
// that read a chat template from YAML (vLLM, axolotl, LLaMA-Factory
// configs) pick the file by name.
func yamlName(f scanners.File) bool {
	name := f.Name
	if name == "" {
		name = f.Path
	}
	ext := path.Ext(strings.ToLower(path.Base(filepath.ToSlash(name))))
	return ext == ".yaml" || ext == ".yml"
}

// parseYAML finds the chat templates of a YAML document: the value of
// every "chat_template" key, at any depth, that is a Jinja template (a
// string with a Jinja tag: YAML configs also name built-in templates, such
// as "chatml", which are not templates themselves), or a list of
// {name, template}. found says whether there was one.
func parseYAML(b []byte) (ts []Template, found bool, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, false, &scanners.FormatError{Format: "chat-template", Offset: 0, Msg: "bad YAML: " + err.Error()}
	}
	lines := lineStarts(b)
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > maxYAMLDepth {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Kind == yaml.ScalarNode && k.Value == "chat_template" {
					more := yamlTemplates(v, offsetOf(lines, v))
					found = found || len(more) > 0
					ts = append(ts, more...)
				}
			}
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(&doc, 0)
	return ts, found, nil
}

// yamlTemplates reads a chat_template value: a Jinja string, or a list of
// {name, template} mappings.
func yamlTemplates(v *yaml.Node, off int64) []Template {
	switch v.Kind {
	case yaml.ScalarNode:
		if isJinja(v.Value) {
			return []Template{newTemplate("default", v.Value, off)}
		}
	case yaml.SequenceNode:
		var out []Template
		for _, item := range v.Content {
			var m struct {
				Name     string `yaml:"name"`
				Template string `yaml:"template"`
			}
			if item.Kind == yaml.MappingNode && item.Decode(&m) == nil && m.Template != "" {
				out = append(out, newTemplate(m.Name, m.Template, off))
			}
		}
		return out
	case yaml.DocumentNode, yaml.MappingNode, yaml.AliasNode:
	}
	return nil
}

func isJinja(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

func lineStarts(b []byte) []int64 {
	out := []int64{0}
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return out
		}
		i += j + 1
		out = append(out, int64(i))
	}
}

// offsetOf returns the byte offset of n (yaml.v3 gives its line and
// column; columns count runes, close enough for a location).
func offsetOf(lines []int64, n *yaml.Node) int64 {
	if n.Line < 1 || n.Line > len(lines) {
		return 0
	}
	return lines[n.Line-1] + int64(max(0, n.Column-1))
}
