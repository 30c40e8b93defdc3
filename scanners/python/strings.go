package python

import (
	"strconv"
	"strings"
)

// str lexes a string literal whose prefix starts at start and whose first
// quote is at q.
func (lx *lexer) str(start, q int) error {
	line := lx.line
	t, end, err := lx.scanString(start, q, 0)
	if err != nil {
		return err
	}
	lx.pos = end
	t.Line, t.Depth = line, lx.depth
	return lx.emit(t)
}

// scanString reads the literal at [start, ...) and returns its token (Off
// relative to the lexer's source) and end. fdepth counts enclosing
// f-string fields.
func (lx *lexer) scanString(start, q, fdepth int) (Token, int, error) {
	prefix := strings.ToLower(lx.src[start:q])
	raw := strings.Contains(prefix, "r")
	fstr := strings.ContainsAny(prefix, "ft")
	quote := lx.src[q]
	triple := strings.HasPrefix(lx.src[q:], strings.Repeat(string(quote), 3))
	qlen := 1
	if triple {
		qlen = 3
	}
	t := Token{Kind: String, Off: start}
	p := q + qlen
	simple := !fstr
	for {
		if p >= len(lx.src) {
			return t, p, lx.errf(start, "unterminated string literal")
		}
		c := lx.src[p]
		switch {
		case c == '\\':
			if p+1 < len(lx.src) && (lx.src[p+1] == '\n' || lx.src[p+1] == '\r') {
				lx.pos = p + 1
				lx.newline()
				p = lx.pos
				continue
			}
			p += 2
		case c == quote && (!triple || strings.HasPrefix(lx.src[p:], strings.Repeat(string(quote), 3))):
			body := lx.src[q+qlen : p]
			t.Text = lx.src[start : p+qlen]
			if simple {
				t.Value = unescape(body, raw)
			}
			return t, p + qlen, nil
		case c == '\n' || c == '\r':
			if !triple {
				return t, p, lx.errf(start, "unterminated string literal")
			}
			lx.pos = p
			lx.newline()
			p = lx.pos
		case fstr && c == '{':
			if strings.HasPrefix(lx.src[p:], "{{") {
				p += 2
				continue
			}
			end, err := lx.scanField(&t, p+1, fdepth+1)
			if err != nil {
				return t, end, err
			}
			p = end
		default:
			p++
		}
	}
}

// scanField reads an f-string replacement field whose expression starts at
// p, up to and including its closing brace, and records the expression's
// source in t.Fields. Nested strings (which may reuse the outer quote since
// Python 3.12) and nested fields of the format spec are read too.
func (lx *lexer) scanField(t *Token, p, fdepth int) (int, error) {
	if fdepth > lx.lim.MaxDepth {
		return p, lx.errf(p, "f-strings nested more than %d deep", lx.lim.MaxDepth)
	}
	start, depth, exprEnd := p, 0, -1
	for p < len(lx.src) {
		c := lx.src[p]
		if c == '"' || c == '\'' || isIdentStart(rune(c)) {
			end, err := lx.skipWord(p, fdepth)
			if err != nil {
				return end, err
			}
			p = end
			continue
		}
		switch {
		case c == '(' || c == '[' || c == '{':
			if depth >= lx.lim.MaxDepth {
				return p, lx.errf(p, "brackets nested more than %d deep", lx.lim.MaxDepth)
			}
			depth++
		case c == ')' || c == ']' || (c == '}' && depth > 0):
			depth--
			if depth < 0 {
				return p, lx.errf(p, "f-string: unmatched %q", c)
			}
		case c == '}':
			if exprEnd < 0 {
				exprEnd = p
			}
			t.Fields = append(t.Fields, Field{Src: lx.src[start:exprEnd], Off: start + lx.base})
			return p + 1, nil
		case depth == 0 && c == '!' && !strings.HasPrefix(lx.src[p:], "!="):
			exprEnd = p
		case depth == 0 && c == ':' && exprEnd < 0 && !strings.HasPrefix(lx.src[p:], ":="):
			exprEnd = p
			return lx.formatSpec(t, start, exprEnd, p+1, fdepth)
		case c == '\n' || c == '\r':
			lx.pos = p
			lx.newline()
			p = lx.pos
			continue
		}
		p++
	}
	return p, lx.errf(start, "f-string: expecting '}'")
}

// skipWord skips, inside an f-string field, a string literal (with its
// prefix) or a name starting at p.
func (lx *lexer) skipWord(p, fdepth int) (int, error) {
	if c := lx.src[p]; c == '"' || c == '\'' {
		_, end, err := lx.scanString(p, p, fdepth)
		return end, err
	}
	q := p
	for q < len(lx.src) && q-p < 3 && isIdentStart(rune(lx.src[q])) {
		q++
	}
	if q < len(lx.src) && (lx.src[q] == '"' || lx.src[q] == '\'') && isStringPrefix(lx.src[p:q]) {
		_, end, err := lx.scanString(p, q, fdepth)
		return end, err
	}
	return q, nil
}

// formatSpec reads a format spec up to the field's closing brace; its
// nested fields are expressions too.
func (lx *lexer) formatSpec(t *Token, start, exprEnd, p, fdepth int) (int, error) {
	t.Fields = append(t.Fields, Field{Src: lx.src[start:exprEnd], Off: start + lx.base})
	for p < len(lx.src) {
		switch lx.src[p] {
		case '{':
			end, err := lx.scanField(t, p+1, fdepth+1)
			if err != nil {
				return end, err
			}
			p = end
			continue
		case '}':
			return p + 1, nil
		case '\n', '\r':
			lx.pos = p
			lx.newline()
			p = lx.pos
			continue
		}
		p++
	}
	return p, lx.errf(start, "f-string: expecting '}'")
}

// unescape decodes the escapes of a non-f string body. Unknown escapes stay
// as they are, as in Python.
func unescape(s string, raw bool) string {
	if raw || !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseInt(s[i:j], 8, 32)
			b.WriteRune(rune(v))
			i = j - 1
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+n < len(s) {
				if v, err := strconv.ParseInt(s[i+1:i+1+n], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += n
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String()
}
