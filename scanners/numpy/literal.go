package numpy

import (
	"fmt"
	"strconv"
	"strings"
)

// The .npy header is a Python literal: a dict with str keys whose values are
// strings, booleans, tuples of integers and, for structured dtypes, lists of
// tuples. This is a small parser for exactly that subset; it never
// evaluates anything.

type literal struct {
	src string
	pos int
	// depth bounds nesting.
	depth int
}

const maxLiteralDepth = 32

// parseLiteral parses src as a Python literal. Values are string, bool,
// nil, int64, []any (tuple or list) and map[string]any.
func parseLiteral(src string) (any, error) {
	p := &literal{src: src}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.src) {
		return nil, p.errorf("unexpected %q after the value", p.src[p.pos:min(p.pos+8, len(p.src))])
	}
	return v, nil
}

func (p *literal) errorf(format string, args ...any) error {
	return &literalError{pos: p.pos, msg: fmt.Sprintf(format, args...)}
}

type literalError struct {
	pos int
	msg string
}

func (e *literalError) Error() string { return fmt.Sprintf("%s at header byte %d", e.msg, e.pos) }

func (p *literal) space() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\n\r", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *literal) value() (any, error) {
	p.space()
	if p.pos >= len(p.src) {
		return nil, p.errorf("header ends where a value was expected")
	}
	switch c := p.src[p.pos]; {
	case c == '\'' || c == '"':
		return p.str()
	case c == '{':
		return p.dict()
	case c == '(' || c == '[':
		return p.seq()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return p.word()
	}
}

func (p *literal) str() (any, error) {
	q := p.src[p.pos]
	var b strings.Builder
	for i := p.pos + 1; i < len(p.src); i++ {
		c := p.src[i]
		switch {
		case c == '\\' && i+1 < len(p.src):
			i++
			b.WriteByte(p.src[i])
		case c == q:
			p.pos = i + 1
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return nil, p.errorf("unterminated string")
}

func (p *literal) enter() error {
	p.depth++
	if p.depth > maxLiteralDepth {
		return p.errorf("header nested more than %d deep", maxLiteralDepth)
	}
	return nil
}

func (p *literal) dict() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.pos++
	m := map[string]any{}
	for {
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			return m, nil
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		ks, ok := k.(string)
		if !ok {
			return nil, p.errorf("dict key is not a string")
		}
		if _, dup := m[ks]; dup {
			return nil, p.errorf("duplicate key %q", ks)
		}
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.errorf("':' expected after key %q", ks)
		}
		p.pos++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		m[ks] = v
		if err := p.sep('}'); err != nil {
			return nil, err
		}
	}
}

// sep consumes a ',' or stops before the closing byte.
func (p *literal) sep(closing byte) error {
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == ',' {
		p.pos++
		return nil
	}
	if p.pos < len(p.src) && p.src[p.pos] == closing {
		return nil
	}
	return p.errorf("',' or %q expected", closing)
}

func (p *literal) seq() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	closing := byte(')')
	if p.src[p.pos] == '[' {
		closing = ']'
	}
	p.pos++
	var out []any
	for {
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == closing {
			p.pos++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if err := p.sep(closing); err != nil {
			return nil, err
		}
	}
}

func (p *literal) number() (any, error) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == 'L') {
		p.pos++
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(p.src[start:p.pos], "L"), 10, 64)
	if err != nil {
		return nil, p.errorf("bad integer %q", p.src[start:p.pos])
	}
	return n, nil
}

func (p *literal) word() (any, error) {
	for _, w := range []struct {
		s string
		v any
	}{{"True", true}, {"False", false}, {"None", nil}} {
		if strings.HasPrefix(p.src[p.pos:], w.s) {
			p.pos += len(w.s)
			return w.v, nil
		}
	}
	return nil, p.errorf("unexpected %q", p.src[p.pos:min(p.pos+8, len(p.src))])
}
