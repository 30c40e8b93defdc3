package gguf

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a Jinja token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tBlockBegin
	tBlockEnd
	tVarBegin
	tVarEnd
	tName
	tString
	tNumber
	tOp
)

// token is one Jinja token; pos is its byte offset in the template.
type token struct {
	kind tokKind
	val  string // name, operator, decoded string or number text
	pos  int
	// bad marks a string literal with an escape this lexer cannot decode.
	bad bool
}

// syntaxError is a template the lexer or parser cannot read.
type syntaxError struct {
	pos int
	msg string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at byte %d", e.msg, e.pos) }

func synErr(pos int, msg string, args ...any) error {
	return &syntaxError{pos: pos, msg: fmt.Sprintf(msg, args...)}
}

// ops lists Jinja's operators, longest first.
var ops = []string{"//", "**", "==", "!=", "<=", ">=",
	"+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "=", ".", ":", "|", ",", ";", "<", ">"}

// lexer splits a template into tokens, skipping template data and
// comments, and raw blocks, as Jinja's default lexer does.
type lexer struct {
	src  string
	pos  int
	toks []token
}

// lex returns the tokens of the tags of src (data between tags is
// dropped), ending with tEOF.
func lex(src string) ([]token, error) {
	l := &lexer{src: src}
	for {
		i := nextTag(src, l.pos)
		if i < 0 {
			break
		}
		var err error
		switch src[i+1] {
		case '#':
			end := strings.Index(src[i+2:], "#}")
			if end < 0 {
				return nil, synErr(i, "unclosed comment")
			}
			l.pos = i + 2 + end + 2
		case '%':
			if end, ok := rawBlock(src, i); ok {
				l.pos = end
				continue
			}
			err = l.tag(i, tBlockBegin, tBlockEnd, "%}")
		default:
			err = l.tag(i, tVarBegin, tVarEnd, "}}")
		}
		if err != nil {
			return nil, err
		}
	}
	l.toks = append(l.toks, token{kind: tEOF, pos: len(src)})
	return l.toks, nil
}

// nextTag returns the index of the next "{{", "{%" or "{#" at or after
// from, or -1.
func nextTag(src string, from int) int {
	for i := from; i+1 < len(src); i++ {
		if src[i] == '{' && (src[i+1] == '{' || src[i+1] == '%' || src[i+1] == '#') {
			return i
		}
	}
	return -1
}

// rawBlock reports whether the block tag at i is {% raw %} and returns
// the end of its {% endraw %}.
func rawBlock(src string, i int) (int, bool) {
	j := skipSpace(src, skipDash(src, i+2))
	if !strings.HasPrefix(src[j:], "raw") {
		return 0, false
	}
	k := skipSpace(src, j+3)
	k = skipDash(src, k)
	if !strings.HasPrefix(src[k:], "%}") {
		return 0, false
	}
	for p := k + 2; ; {
		q := strings.Index(src[p:], "{%")
		if q < 0 {
			return len(src), true
		}
		q += p
		r := skipSpace(src, skipDash(src, q+2))
		if strings.HasPrefix(src[r:], "endraw") {
			if e := strings.Index(src[r:], "%}"); e >= 0 {
				return r + e + 2, true
			}
			return len(src), true
		}
		p = q + 2
	}
}

func skipDash(src string, i int) int {
	if i < len(src) && (src[i] == '-' || src[i] == '+') {
		return i + 1
	}
	return i
}

func skipSpace(src string, i int) int {
	for i < len(src) && strings.IndexByte(" \t\r\n", src[i]) >= 0 {
		i++
	}
	return i
}

// tag lexes one {{ }} or {% %} tag starting at i.
func (l *lexer) tag(i int, begin, end tokKind, closer string) error {
	l.toks = append(l.toks, token{kind: begin, pos: i})
	p := skipDash(l.src, i+2)
	depth := 0
	for {
		p = skipSpace(l.src, p)
		if p >= len(l.src) {
			return synErr(i, "unclosed tag")
		}
		if depth == 0 {
			q := skipDash(l.src, p)
			if strings.HasPrefix(l.src[q:], closer) {
				l.toks = append(l.toks, token{kind: end, pos: p})
				l.pos = q + 2
				return nil
			}
		}
		t, next, err := l.one(p)
		if err != nil {
			return err
		}
		if t.kind == tOp {
			switch t.val {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth = max(depth-1, 0)
			}
		}
		l.toks = append(l.toks, t)
		p = next
	}
}

// one lexes the token at p.
func (l *lexer) one(p int) (token, int, error) {
	src := l.src
	c, w := utf8.DecodeRuneInString(src[p:])
	switch {
	case c == '_' || unicode.IsLetter(c):
		q := p + w
		for q < len(src) {
			r, rw := utf8.DecodeRuneInString(src[q:])
			if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			q += rw
		}
		return token{kind: tName, val: src[p:q], pos: p}, q, nil
	case c >= '0' && c <= '9':
		return lexNumber(src, p)
	case c == '\'' || c == '"':
		return lexString(src, p)
	}
	for _, op := range ops {
		if strings.HasPrefix(src[p:], op) {
			return token{kind: tOp, val: op, pos: p}, p + len(op), nil
		}
	}
	return token{}, 0, synErr(p, "unexpected character %q", c)
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// lexNumber lexes an integer or float literal (digits, '_', a fraction,
// an exponent) at p.
func lexNumber(src string, p int) (token, int, error) {
	digits := func(q int) int {
		for q < len(src) && (isDigit(src[q]) || src[q] == '_') {
			q++
		}
		return q
	}
	q := digits(p)
	if q+1 < len(src) && src[q] == '.' && isDigit(src[q+1]) {
		q = digits(q + 1)
	}
	if q < len(src) && (src[q] == 'e' || src[q] == 'E') {
		r := q + 1
		if r < len(src) && (src[r] == '+' || src[r] == '-') {
			r++
		}
		if r < len(src) && isDigit(src[r]) {
			q = digits(r)
		}
	}
	return token{kind: tNumber, val: src[p:q], pos: p}, q, nil
}

// lexString lexes the string literal at p and decodes its escapes as
// Python's "unicode-escape" codec does (which is what Jinja applies).
func lexString(src string, p int) (token, int, error) {
	quote := src[p]
	var b strings.Builder
	bad := false
	for q := p + 1; q < len(src); {
		c := src[q]
		switch {
		case c == quote:
			return token{kind: tString, val: b.String(), pos: p, bad: bad}, q + 1, nil
		case c == '\\' && q+1 < len(src):
			n, ok := decodeEscape(src, q, &b)
			bad = bad || !ok
			q = n
		default:
			b.WriteByte(c)
			q++
		}
	}
	return token{}, 0, synErr(p, "unterminated string")
}

// decodeEscape decodes the backslash escape at q into b and returns the
// index after it; ok is false for a \N{...} name it does not know.
func decodeEscape(src string, q int, b *strings.Builder) (int, bool) {
	c := src[q+1]
	if r, ok := simpleEscapes[c]; ok {
		b.WriteString(r)
		return q + 2, true
	}
	switch c {
	case '\n':
		return q + 2, true
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		if q+2+n <= len(src) {
			if v, err := strconv.ParseUint(src[q+2:q+2+n], 16, 32); err == nil && v <= unicode.MaxRune {
				b.WriteRune(rune(v))
				return q + 2 + n, true
			}
		}
		return q + 2, false
	case 'N':
		if q+2 < len(src) && src[q+2] == '{' {
			if e := strings.IndexByte(src[q+3:], '}'); e >= 0 {
				if r, ok := unicodeName(src[q+3 : q+3+e]); ok {
					b.WriteRune(r)
					return q + 4 + e, true
				}
				return q + 4 + e, false
			}
		}
		return q + 2, false
	}
	if c >= '0' && c <= '7' {
		e := q + 1
		for e < len(src) && e < q+4 && src[e] >= '0' && src[e] <= '7' {
			e++
		}
		v, _ := strconv.ParseUint(src[q+1:e], 8, 32)
		b.WriteRune(rune(v)) //nolint:gosec // at most three octal digits: v <= 0o777
		return e, true
	}
	b.WriteByte('\\')
	return q + 1, true
}

var simpleEscapes = map[byte]string{
	'\\': "\\", '\'': "'", '"': "\"", 'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v",
}

// unicodeName resolves the \N{...} names an obfuscated template is likely
// to use to build identifiers.
func unicodeName(name string) (rune, bool) {
	n := strings.ToUpper(strings.TrimSpace(name))
	switch n {
	case "LOW LINE", "SPACING UNDERSCORE":
		return '_', true
	case "FULL STOP", "PERIOD":
		return '.', true
	case "SPACE":
		return ' ', true
	case "HYPHEN-MINUS":
		return '-', true
	}
	for _, p := range []struct {
		prefix string
		base   rune
	}{{"LATIN SMALL LETTER ", 'a'}, {"LATIN CAPITAL LETTER ", 'A'}} {
		if rest, ok := strings.CutPrefix(n, p.prefix); ok && len(rest) == 1 && rest[0] >= 'A' && rest[0] <= 'Z' {
			return p.base + rune(rest[0]-'A'), true
		}
	}
	digits := []string{"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"}
	for i, d := range digits {
		if n == "DIGIT "+d {
			return rune('0' + i), true
		}
	}
	return 0, false
}
