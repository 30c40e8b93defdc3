package keras

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Kinds of JSON values.
const (
	kindNull byte = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// value is one JSON value with the byte offset at which it starts. Objects
// keep every member in order, duplicates included: Python's json keeps the
// last one, but a scanner must look at all of them.
type value struct {
	kind byte
	str  string // string contents, number literal or "true"/"false"
	keys []string
	vals []*value
	off  int64
}

// get returns the last member named key of an object (what Python's
// json.loads keeps), or nil.
func (v *value) get(key string) *value {
	if v == nil || v.kind != kindObject {
		return nil
	}
	for i := len(v.keys) - 1; i >= 0; i-- {
		if v.keys[i] == key {
			return v.vals[i]
		}
	}
	return nil
}

// text returns the string held by v, or "".
func (v *value) text() string {
	if v == nil || v.kind != kindString {
		return ""
	}
	return v.str
}

// jsonError is a JSON syntax or limit error at an offset of the text.
type jsonError struct {
	off int64
	msg string
}

func (e *jsonError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.off) }

// prepare checks the nesting depth of b without parsing it and returns a
// copy in which the tokens Python's json accepts but Go's does not (NaN,
// Infinity, -Infinity) are replaced by zeros of the same length, so that
// offsets are unchanged.
func prepare(b []byte, maxDepth int) ([]byte, error) {
	out := b
	copied := false
	depth := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth++; depth > maxDepth {
				return nil, &jsonError{off: int64(i), msg: fmt.Sprintf("JSON nested more than %d deep", maxDepth)}
			}
		case ']', '}':
			depth--
		case 'N', 'I':
			if n := nonFinite(b[i:]); n > 0 {
				if !copied {
					out, copied = bytes.Clone(b), true
				}
				out[i] = '0'
				copy(out[i+1:i+n], bytes.Repeat([]byte{' '}, n-1))
				i += n - 1
			}
		}
	}
	return out, nil
}

// nonFinite returns the length of the NaN or Infinity token b starts
// with, or 0.
func nonFinite(b []byte) int {
	for _, tok := range []string{"NaN", "Infinity"} {
		if bytes.HasPrefix(b, []byte(tok)) {
			return len(tok)
		}
	}
	return 0
}

// parseJSON parses one JSON document into a tree of at most maxNodes values
// nested at most maxDepth deep. Trailing bytes other than whitespace are an
// error, as for Python's json.loads.
func parseJSON(b []byte, maxDepth, maxNodes int) (*value, error) {
	b, err := prepare(b, maxDepth)
	if err != nil {
		return nil, err
	}
	p := &jparser{b: b, dec: json.NewDecoder(bytes.NewReader(b)), left: maxNodes}
	p.dec.UseNumber()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &jsonError{off: p.start(), msg: "data after the JSON document"}
	}
	return v, nil
}

type jparser struct {
	b    []byte
	dec  *json.Decoder
	left int
}

// start is the offset of the next token: past whitespace, ',' and ':'.
func (p *jparser) start() int64 {
	i := p.dec.InputOffset()
	for i < int64(len(p.b)) && bytes.IndexByte([]byte(" \t\r\n,:"), p.b[i]) >= 0 {
		i++
	}
	return i
}

func (p *jparser) fail(off int64, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// The decoder's offsets count from where it last resumed; the
		// start of the token being read is the precise place.
		return &jsonError{off: off, msg: "invalid JSON: " + se.Error()}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &jsonError{off: int64(len(p.b)), msg: "JSON ends early"}
	}
	return &jsonError{off: off, msg: "invalid JSON: " + err.Error()}
}

// value reads the next value; depth is already bounded by prepare, but is
// checked again so that the recursion never depends on it alone.
func (p *jparser) value(depth int) (*value, error) {
	off := p.start()
	if p.left--; p.left < 0 {
		return nil, &jsonError{off: off, msg: "too many JSON values"}
	}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.fail(off, err)
	}
	v := &value{off: off}
	switch t := tok.(type) {
	case nil:
		v.kind = kindNull
	case bool:
		v.kind, v.str = kindBool, fmt.Sprint(t)
	case json.Number:
		v.kind, v.str = kindNumber, string(t)
	case string:
		v.kind, v.str = kindString, t
	case json.Delim:
		if depth >= 1<<16 {
			return nil, &jsonError{off: off, msg: "JSON nested too deep"}
		}
		return p.container(v, t, depth)
	}
	return v, nil
}

func (p *jparser) container(v *value, d json.Delim, depth int) (*value, error) {
	if d == '[' {
		v.kind = kindArray
	} else {
		v.kind = kindObject
	}
	for p.dec.More() {
		if v.kind == kindObject {
			off := p.start()
			k, err := p.dec.Token()
			if err != nil {
				return nil, p.fail(off, err)
			}
			ks, ok := k.(string)
			if !ok {
				return nil, &jsonError{off: off, msg: "object key is not a string"}
			}
			v.keys = append(v.keys, ks)
		}
		c, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.vals = append(v.vals, c)
	}
	off := p.start()
	if _, err := p.dec.Token(); err != nil {
		return nil, p.fail(off, err)
	}
	return v, nil
}
