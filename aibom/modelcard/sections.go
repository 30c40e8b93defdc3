package modelcard

import (
	"bytes"
	"strings"
)

type sectionKind int

const (
	kindNone sectionKind = iota
	kindOutOfScope
	kindBias
	kindUsers
	kindUses
	kindLimitations
	kindRecommendations
)

// classify maps a heading's title to the kind of section it starts. The
// order matters: "Bias, Risks, and Limitations" is about bias, "Intended
// users" about users, not uses.
func classify(title string) sectionKind {
	t := strings.ToLower(strings.Trim(title, " \t*_:`"))
	switch {
	case containsAny(t, "out-of-scope", "out of scope", "misuse"):
		return kindOutOfScope
	case containsAny(t, "bias", "risk", "ethic"):
		return kindBias
	case containsAny(t, "users", "intended user"):
		return kindUsers
	case t == "uses" || containsAny(t, "intended use", "direct use", "downstream use", "primary use", "use case"):
		return kindUses
	case containsAny(t, "limitation", "caveat"):
		return kindLimitations
	case strings.Contains(t, "recommendation"):
		return kindRecommendations
	default:
		return kindNone
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// heading recognises an ATX heading line ("## Title") and returns its level.
func heading(line string) (level int, title string) {
	trimmed := strings.TrimLeft(line, " ")
	if len(line)-len(trimmed) > 3 {
		return 0, ""
	}
	for level < len(trimmed) && trimmed[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || (level < len(trimmed) && trimmed[level] != ' ' && trimmed[level] != '\t') {
		return 0, ""
	}
	title = strings.TrimSpace(trimmed[level:])
	title = strings.TrimSpace(strings.TrimRight(title, "#"))
	return level, title
}

// sectionParser walks the body line by line, collecting the text under each
// heading of interest until the next heading of the same or a higher level.
// A sub-heading of interest starts its own section.
type sectionParser struct {
	out   Sections
	kind  sectionKind
	level int
	buf   strings.Builder
}

func parseSections(body []byte) Sections {
	var p sectionParser
	fence := ""
	for len(body) > 0 {
		var line []byte
		line, body, _ = bytes.Cut(body, []byte("\n"))
		s := strings.TrimRight(string(line), "\r")
		if f := fenceMarker(s); f != "" && (fence == "" || strings.HasPrefix(f, fence)) {
			if fence == "" {
				fence = f
			} else {
				fence = ""
			}
			p.text(s)
			continue
		}
		if fence == "" {
			if level, title := heading(s); level > 0 {
				p.heading(level, title, s)
				continue
			}
		}
		p.text(s)
	}
	p.flush()
	return p.out
}

func fenceMarker(line string) string {
	t := strings.TrimLeft(line, " ")
	for _, f := range []string{"```", "~~~"} {
		if strings.HasPrefix(t, f) {
			return f
		}
	}
	return ""
}

func (p *sectionParser) heading(level int, title, line string) {
	kind := classify(title)
	if p.kind != kindNone && (level <= p.level || kind != kindNone) {
		p.flush()
	}
	if kind != kindNone {
		p.kind, p.level = kind, level
		return
	}
	p.text(line)
}

func (p *sectionParser) text(line string) {
	if p.kind == kindNone || p.buf.Len() > 4*MaxSectionLen {
		return
	}
	p.buf.WriteString(line)
	p.buf.WriteByte('\n')
}

// flush ends the current section. A paragraph in it that starts with a bold
// label of another kind ("**Out-of-scope** Use in ...", as Llama cards
// write) goes to that kind instead.
func (p *sectionParser) flush() {
	kind := p.kind
	text := cleanSection(p.buf.String())
	p.kind, p.level = kindNone, 0
	p.buf.Reset()
	var cur []string
	for para := range strings.SplitSeq(text, "\n\n") {
		k := kind
		if label, _, ok := strings.Cut(strings.TrimPrefix(para, "**"), "**"); ok && strings.HasPrefix(para, "**") {
			if lk := classify(label); lk != kindNone {
				k = lk
			}
		}
		if k != kind && len(cur) > 0 {
			p.store(kind, strings.Join(cur, "\n\n"))
			cur = nil
		}
		if k != kind {
			p.store(k, para)
			continue
		}
		cur = append(cur, para)
	}
	p.store(kind, strings.Join(cur, "\n\n"))
}

func (p *sectionParser) store(kind sectionKind, text string) {
	if text == "" {
		return
	}
	var dst *[]string
	switch kind {
	case kindOutOfScope:
		dst = &p.out.OutOfScope
	case kindBias:
		dst = &p.out.Bias
	case kindUsers:
		dst = &p.out.Users
	case kindUses:
		dst = &p.out.IntendedUses
	case kindLimitations:
		dst = &p.out.Limitations
	case kindRecommendations:
		dst = &p.out.Recommendations
	case kindNone:
		return
	}
	if len(*dst) < maxSections {
		*dst = append(*dst, text)
	}
}

// cleanSection drops HTML comments, template placeholder lines ("[More
// Information Needed]") and runs of blank lines, and bounds the length.
func cleanSection(s string) string {
	var b strings.Builder
	for {
		start := strings.Index(s, "<!--")
		if start < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:start])
		end := strings.Index(s[start:], "-->")
		if end < 0 {
			break
		}
		s = s[start+end+3:]
	}
	var out strings.Builder
	blank := 0
	for line := range strings.SplitSeq(b.String(), "\n") {
		line = strings.TrimRight(line, " \t\r")
		if strings.EqualFold(strings.Trim(line, " \t-*[]._"), "more information needed") {
			continue
		}
		if line == "" {
			blank++
			continue
		}
		if out.Len() > 0 && blank > 0 {
			out.WriteString("\n")
		}
		if out.Len() > 0 {
			out.WriteString("\n")
		}
		blank = 0
		out.WriteString(line)
		if out.Len() > MaxSectionLen {
			break
		}
	}
	return truncate(strings.TrimSpace(out.String()), MaxSectionLen)
}
