// Package chattemplate scans the chat templates that Hugging Face model
// repositories ship outside GGUF files: the "chat_template" of
// tokenizer_config.json (a string, or a list of named templates), the
// chat_template keys of YAML configs, and standalone Jinja files such as
// chat_template.jinja. Credentials in these files are reported too. Python servers render
// them with Jinja; each is analysed statically for server-side template
// injection with the GGUF scanner's Jinja parser, and hashed. Nothing is
// rendered.
package chattemplate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/internal/secrets"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/gguf"
	"github.com/seed-43c89ce6/aibom/scanners/text"
)

// Rule IDs reported by this package.
const (
	RuleTemplate            = "CHAT-TEMPLATE"
	RuleTemplateSSTI        = "CHAT-TEMPLATE-SSTI"
	RuleTemplateUnparseable = "CHAT-TEMPLATE-UNPARSEABLE"
)

// MaxSize bounds the files read: tokenizer configs are at most a few MB.
const MaxSize = 16 << 20

// Template is one chat template found in a file.
type Template struct {
	// Name is "default" or the name of a named template.
	Name string
	Text string
	// SHA256 is the hex digest of Text.
	SHA256 string
	// Offset is the file offset of the template (of its JSON string for
	// tokenizer_config.json: positions inside it are not exact because of
	// JSON escapes).
	Offset int64
}

// Scanner scans chat templates.
type Scanner struct{}

// New returns a Scanner.
func New() *Scanner { return &Scanner{} }

// Name implements scanners.Scanner.
func (s *Scanner) Name() string { return "chat-template" }

// Match reports, from head alone, whether f may be a JSON object (Scan
// then decodes it and declines it when no key decodes to "chat_template"),
// a file named as a Jinja template (".jinja": servers load
// chat_template.jinja and --chat-template files by name, whatever their
// first bytes), or a text file that is a chat template (Jinja blocks that
// use the chat variables).
func (s *Scanner) Match(f scanners.File, head []byte) bool {
	t := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(t) == 0 || f.Size > MaxSize || bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	if t[0] == '{' && !jinjaStart(t) {
		return true
	}
	return jinjaName(f) || yamlName(f) || isTemplate(head)
}

// jinjaName reports whether f (the file, or the archive member) is named
// like a Jinja template.
func jinjaName(f scanners.File) bool {
	name := f.Name
	if name == "" {
		name = f.Path
	}
	return strings.HasSuffix(strings.ToLower(path.Base(filepath.ToSlash(name))), ".jinja")
}

// isTemplate reports whether text is a Jinja chat template: it starts with a
// Jinja tag ("{%", "{{" or "{#"; chat templates do, while source files
// that merely contain one do not) and uses the chat variables.
func isTemplate(b []byte) bool {
	if !utf8.Valid(b[:max(0, len(b)-utf8.UTFMax)]) {
		return false
	}
	jinja := jinjaStart(bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf"))
	chat := false
	for _, w := range []string{"messages", "add_generation_prompt", "bos_token", "eos_token"} {
		chat = chat || bytes.Contains(b, []byte(w))
	}
	return jinja && chat
}

// jinjaStart reports whether t starts with a Jinja tag.
func jinjaStart(t []byte) bool {
	return bytes.HasPrefix(t, []byte("{{")) || bytes.HasPrefix(t, []byte("{%")) || bytes.HasPrefix(t, []byte("{#"))
}

// Parse returns the chat templates in r: the "chat_template" of a JSON
// object, or the whole text of a template file.
func Parse(r io.ReaderAt, size int64) ([]Template, error) {
	b, err := safeio.ReadAt(r, size, 0, size, MaxSize)
	if err != nil {
		return nil, &scanners.FormatError{Format: "chat-template", Offset: 0, Msg: err.Error()}
	}
	if isJSON(b) {
		ts, _, err := parseJSON(b)
		return ts, err
	}
	if !utf8.Valid(b) {
		return nil, &scanners.FormatError{Format: "chat-template", Offset: 0, Msg: "template is not UTF-8 text"}
	}
	return []Template{newTemplate("default", string(b), 0)}, nil
}

func newTemplate(name, text string, off int64) Template {
	sum := sha256.Sum256([]byte(text))
	return Template{Name: name, Text: text, SHA256: hex.EncodeToString(sum[:]), Offset: off}
}

// parseJSON finds the top-level "chat_template" of a JSON object, matched
// on the decoded key (so "chat\u005ftemplate" is found). A key given twice
// is read every time: Python's json keeps the last, other parsers the
// first, so every one is checked. found says whether there was one.
func parseJSON(b []byte) (ts []Template, found bool, err error) {
	fail := func(off int64, format string, args ...any) error {
		return &scanners.FormatError{Format: "chat-template", Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false, fail(dec.InputOffset(), "not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ts, found, fail(dec.InputOffset(), "bad JSON: %v", err)
		}
		key, _ := tok.(string)
		off := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return ts, found, fail(dec.InputOffset(), "bad JSON: %v", err)
		}
		if key == "chat_template" {
			found = true
			more, err := templates(raw, off)
			ts = append(ts, more...)
			if err != nil {
				return ts, found, err
			}
		}
	}
	return ts, found, nil
}

// templates reads a chat_template value: a string, or a list of
// {"name", "template"} objects.
func templates(raw json.RawMessage, off int64) ([]Template, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []Template{newTemplate("default", one, off)}, nil
	}
	var many []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
	}
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, &scanners.FormatError{Format: "chat-template", Offset: off,
			Msg: "chat_template is neither a string nor a list of {name, template}"}
	}
	out := make([]Template, 0, len(many))
	for _, m := range many {
		out = append(out, newTemplate(m.Name, m.Template, off))
	}
	return out, nil
}

// Scan implements scanners.Scanner. A JSON object that does not name a
// "chat_template" is declined (scanners.ErrNotMatched): the decision that
// needs the whole file is made here, not in Match.
func (s *Scanner) Scan(_ context.Context, f scanners.File) (scanners.Result, error) {
	b, err := safeio.ReadAt(f.R, f.Size, 0, f.Size, MaxSize)
	if err != nil {
		return scanners.Result{}, &scanners.FormatError{Format: "chat-template", Offset: 0, Msg: err.Error()}
	}
	var ts []Template
	switch {
	case isJSON(b):
		var found bool
		ts, found, err = parseJSON(b)
		// A JSON object with no key that decodes to chat_template is not
		// a template; nor is one that breaks before any such key, unless
		// it spells the key out (then it is a broken tokenizer config).
		if !found && (err == nil || !bytes.Contains(b, []byte(`"chat_template"`))) {
			return scanners.Result{}, scanners.ErrNotMatched
		}
	case yamlName(f) && !jinjaStart(bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")):
		var found bool
		ts, found, err = parseYAML(b)
		if !found {
			// A YAML file without a template (or one that does not
			// parse) is for the other scanners.
			return scanners.Result{}, scanners.ErrNotMatched
		}
	default:
		ts, err = Parse(bytes.NewReader(b), int64(len(b)))
	}
	if err != nil && len(ts) == 0 {
		return scanners.Result{}, err
	}
	var out []scanners.Finding
	for _, t := range ts {
		out = append(out, scanners.Finding{Rule: RuleTemplate, Severity: scanners.Info, Offset: t.Offset,
			ATLAS:   scanners.ATLASUnsafeArtifact,
			Message: fmt.Sprintf("chat template %s (%d bytes) sha256:%s", t.Name, len(t.Text), t.SHA256)})
		for _, is := range gguf.AnalyzeTemplate(t.Text) {
			rule, atlas := RuleTemplateSSTI, scanners.ATLASEmbedMalware
			if is.Rule == gguf.RuleTemplateUnparseable {
				rule, atlas = RuleTemplateUnparseable, scanners.ATLASUnsafeArtifact
			}
			pos := t.Offset
			if t.Offset == 0 {
				pos = int64(is.Pos)
			}
			out = append(out, scanners.Finding{Rule: rule, Severity: is.Severity, Global: is.Global,
				Offset: pos, ATLAS: atlas,
				Message: strings.TrimSpace(t.Name + " template: " + is.Msg)})
		}
	}
	for _, m := range secrets.Find(b) {
		out = append(out, text.Finding(m.Kind, int64(m.Start), int64(m.End-m.Start), ""))
	}
	return scanners.Result{Findings: out}, err
}

// isJSON reports whether b starts like a JSON object (not a Jinja tag).
func isJSON(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	return len(t) > 0 && t[0] == '{' && !jinjaStart(t)
}
