// Package frontmatter reads the YAML front matter of Hugging Face cards
// (model and dataset README.md files) within fixed bounds, and walks the
// resulting node trees without trusting their shape.
package frontmatter

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxSize bounds the front matter decoded: yaml.v3 takes seconds and
// hundreds of MB on a few MiB of hostile YAML.
const MaxSize = 1 << 20

// ErrTooLarge is returned by Decode for front matter over MaxSize.
var ErrTooLarge = errors.New("frontmatter: front matter over 1 MiB")

var fence = []byte("---")

// Split separates the front matter (between a first line "---" and the next
// "---" line) from the body. metaLine is the file line on which the YAML
// starts. A block that is never closed gives unclosed, no meta, and the rest
// of the file as body. A byte order mark is skipped.
func Split(data []byte) (meta []byte, metaLine int, body []byte, unclosed bool) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first, rest, found := bytes.Cut(data, []byte("\n"))
	if !found || !bytes.Equal(bytes.TrimRight(first, " \t\r"), fence) {
		return nil, 0, data, false
	}
	for off := 0; off <= len(rest); {
		line, _, _ := bytes.Cut(rest[off:], []byte("\n"))
		if bytes.Equal(bytes.TrimRight(line, " \t\r"), fence) {
			end := min(off+len(line)+1, len(rest))
			return rest[:off], 2, rest[end:], false
		}
		off += len(line) + 1
	}
	return nil, 0, rest, true
}

// Decode parses front matter into a node tree, refusing more than MaxSize
// bytes and turning a decoder panic into an error (yaml.v3 has panicked on
// hostile input before).
func Decode(meta []byte) (doc *yaml.Node, err error) {
	if len(meta) > MaxSize {
		return nil, ErrTooLarge
	}
	defer func() {
		if p := recover(); p != nil {
			doc, err = nil, fmt.Errorf("YAML decoder panicked: %v", p)
		}
	}()
	doc = new(yaml.Node)
	return doc, yaml.Unmarshal(meta, doc)
}

// Deref follows aliases (a bounded number of them) to the node they name.
func Deref(n *yaml.Node) *yaml.Node {
	for range 8 {
		if n == nil || n.Kind != yaml.AliasNode {
			return n
		}
		n = n.Alias
	}
	return nil
}

// Scalar returns the trimmed text of a non-null scalar node, cut to at most
// maxLen bytes, or "".
func Scalar(n *yaml.Node, maxLen int) string {
	n = Deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return Truncate(strings.TrimSpace(n.Value), maxLen)
}

// Items returns the elements of a sequence node, at most maxItems.
func Items(n *yaml.Node, maxItems int) []*yaml.Node {
	n = Deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content[:min(len(n.Content), maxItems)]
}

// StrList reads a scalar or a sequence of scalars.
func StrList(n *yaml.Node, maxItems, maxLen int) []string {
	if s := Scalar(n, maxLen); s != "" {
		return []string{s}
	}
	var out []string
	for _, item := range Items(n, maxItems) {
		if s := Scalar(item, maxLen); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Get returns the value of key in a mapping node (the last one, as PyYAML
// keeps), or nil.
func Get(n *yaml.Node, key string, maxLen int) *yaml.Node {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var v *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if Scalar(n.Content[i], maxLen) == key {
			v = n.Content[i+1]
		}
	}
	return v
}

// Truncate cuts s to at most n bytes without splitting a UTF-8 sequence,
// marking the cut with an ellipsis.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := max(n-len(mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// FindLate finds front matter that is not at the very start of the file,
// which the Hub ignores: a block between two "---" lines that only blank
// lines and HTML comments precede (or whose opening line is indented), and
// that holds a YAML mapping. It returns the 1-based line of the opening
// "---", or 0 when there is no such block (or the front matter is at the
// start, where Split finds it).
func FindLate(data []byte) int {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	inComment := false
	for lineNo := 1; len(data) > 0; lineNo++ {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		t := bytes.TrimSpace(line)
		switch {
		case inComment:
			inComment = !bytes.Contains(t, []byte("-->"))
			continue
		case len(t) == 0:
			continue
		case bytes.HasPrefix(t, []byte("<!--")):
			inComment = !bytes.Contains(t[4:], []byte("-->"))
			continue
		}
		if !bytes.Equal(t, fence) || (lineNo == 1 && bytes.Equal(bytes.TrimRight(line, " \t\r"), fence)) {
			return 0
		}
		meta, _, _, unclosed := Split(append([]byte("---\n"), data...))
		if unclosed || len(meta) == 0 {
			return 0
		}
		if doc, err := Decode(meta); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			return 0
		}
		return lineNo
	}
	return 0
}
