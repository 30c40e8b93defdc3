package modelcard

import (
	"bytes"
	"strings"
)

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

// sectionParser walks the body line by line. A heading of interest starts
// a section that lasts until the next heading of the same or a higher
// level; a sub-heading of interest starts its own. Inside or outside such
// a section, a line starting with a bold label of interest ("**Intended
// Use:**") starts a label section that lasts until the next heading or
// label line. Fenced code blocks are never section text, and nothing in
// them is a heading or a label.
type sectionParser struct {
	out     Sections
	hKind   sectionKind // the kind of the enclosing heading's section
	hLevel  int
	label   sectionKind // the kind of the current label section, when labelOn
	labelOn bool
	cur     sectionKind // the kind of the text in buf
	buf     strings.Builder
}

func parseSections(body []byte) Sections {
	var p sectionParser
	var fence string
	for len(body) > 0 {
		var line []byte
		line, body, _ = bytes.Cut(body, []byte("\n"))
		s := strings.TrimRight(string(line), "\r")
		if fence != "" {
			if closesFence(s, fence) {
				fence = ""
			}
			continue
		}
		if f := fenceMarker(s); f != "" {
			fence = f
			continue
		}
		if level, title := heading(s); level > 0 {
			p.heading(level, title, s)
			continue
		}
		if label, alone, ok := boldLabel(s); ok {
			p.boldLabel(label, alone, s)
			continue
		}
		p.text(s)
	}
	p.switchTo(kindNone, true)
	return p.out
}

// fenceMarker returns the opening fence of a fenced code block (a run of
// at least three backticks or tildes), or "".
func fenceMarker(line string) string {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return ""
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 || (t[0] == '`' && strings.Contains(t[n:], "`")) {
		return ""
	}
	return t[:n]
}

// closesFence reports whether line closes the block opened by fence: a
// run of the same character, at least as long, and nothing else.
func closesFence(line, fence string) bool {
	t := strings.TrimSpace(line)
	return len(line)-len(strings.TrimLeft(line, " ")) <= 3 && len(t) >= len(fence) &&
		strings.Trim(t, fence[:1]) == ""
}

func (p *sectionParser) heading(level int, title, line string) {
	p.labelOn = false
	kind := classify(title)
	switch {
	case kind != kindNone:
		p.hKind, p.hLevel = kind, level
		p.switchTo(kind, true)
	case p.hKind != kindNone && level <= p.hLevel:
		p.hKind, p.hLevel = kindNone, 0
		p.switchTo(kindNone, false)
	default: // a sub-heading: part of the section's text
		p.switchTo(p.hKind, false)
		p.text(line)
	}
}

// boldLabel starts a label section when the label is of interest, and ends
// the current one otherwise. A label line that holds only a label of
// interest is a title, not text.
func (p *sectionParser) boldLabel(label string, alone bool, line string) {
	kind := classify(label)
	p.label, p.labelOn = kind, kind != kindNone
	if p.labelOn {
		p.switchTo(kind, false)
	} else {
		p.switchTo(p.hKind, false)
	}
	if !alone || kind == kindNone {
		p.text(line)
	}
}

// switchTo ends the text collected so far when the kind changes (or when
// force is set) and collects text of kind from now on.
func (p *sectionParser) switchTo(kind sectionKind, force bool) {
	if kind == p.cur && !force {
		return
	}
	p.store(p.cur, cleanSection(p.buf.String()))
	p.buf.Reset()
	p.cur = kind
}

func (p *sectionParser) text(line string) {
	if p.cur == kindNone || p.buf.Len() > 4*MaxSectionLen {
		return
	}
	p.buf.WriteString(line)
	p.buf.WriteByte('\n')
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
	return truncate(dropTrailingHeadings(strings.TrimSpace(out.String())), MaxSectionLen)
}

// dropTrailingHeadings removes sub-headings left at the end of a section
// with no text under them (their text was code, a comment or a placeholder).
func dropTrailingHeadings(s string) string {
	for s != "" {
		i := strings.LastIndexByte(s, '\n')
		if level, _ := heading(s[i+1:]); level == 0 {
			return s
		}
		s = strings.TrimSpace(s[:max(i, 0)])
	}
	return s
}
