package safetensors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// metadataKey is the reserved header key of the string-to-string metadata.
const metadataKey = "__metadata__"

// parser walks the JSON header token by token. encoding/json's Unmarshal
// keeps the last of duplicate keys; the token stream lets the parser see and
// reject every duplicate, and know the file offset of every token.
type parser struct {
	ctx    context.Context
	tokens int
	dec    *json.Decoder
	raw    []byte
	// pos is the file offset of the start of the last token read.
	pos int64

	// arrayOff is the file offset of the last array read by uints.
	arrayOff int64

	meta      map[string]string
	formatOff int64
}

func newParser(ctx context.Context, raw []byte) *parser {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return &parser{ctx: ctx, dec: dec, raw: raw}
}

// ctxEvery is how many tokens the parser reads between looks at its context.
const ctxEvery = 1 << 12

// next reads one token and records where it starts.
func (p *parser) next() (json.Token, error) {
	if p.tokens++; p.tokens%ctxEvery == 0 {
		if err := p.ctx.Err(); err != nil {
			return nil, err
		}
	}
	off := p.dec.InputOffset()
	for off < int64(len(p.raw)) {
		c := p.raw[off]
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' && c != ':' {
			break
		}
		off++
	}
	p.pos = lengthSize + off
	tok, err := p.dec.Token()
	if err == nil {
		return tok, nil
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return nil, scanners.Errorf(format, lengthSize+se.Offset, "invalid JSON: %v", se)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, scanners.Errorf(format, lengthSize+int64(len(p.raw)), "invalid JSON: header ends inside the object")
	}
	return nil, scanners.Errorf(format, p.pos, "invalid JSON: %v", err)
}

// key reads an object key or the closing brace; ok is false at the brace.
func (p *parser) key() (string, bool, error) {
	tok, err := p.next()
	if err != nil {
		return "", false, err
	}
	if tok == json.Delim('}') {
		return "", false, nil
	}
	// encoding/json only returns strings as keys.
	k, _ := tok.(string)
	return k, true, nil
}

// parseHeader reads the header object and returns its tensors; the metadata
// goes to p.meta. It then checks that only whitespace follows.
func (p *parser) parseHeader() ([]entry, error) {
	if _, err := p.next(); err != nil { // '{', checked by checkText
		return nil, err
	}
	var ents []entry
	seen := map[string]struct{}{}
	for {
		name, ok, err := p.key()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if _, dup := seen[name]; dup {
			return nil, scanners.Errorf(format, p.pos, "duplicate key %q", name)
		}
		seen[name] = struct{}{}
		if name == metadataKey {
			if err := p.parseMetadata(); err != nil {
				return nil, err
			}
			continue
		}
		e, err := p.parseTensor(name, p.pos)
		if err != nil {
			return nil, err
		}
		ents = append(ents, e)
	}
	end := p.dec.InputOffset()
	for i, c := range p.raw[end:] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil, scanners.Errorf(format, lengthSize+end+int64(i), "header has %q after the JSON object, not only whitespace padding", c)
		}
	}
	return ents, nil
}

// parseMetadata reads the "__metadata__" value: an object of strings.
func (p *parser) parseMetadata() error {
	tok, err := p.next()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return scanners.Errorf(format, p.pos, "%s must be an object of strings, not %s", metadataKey, kind(tok))
	}
	p.meta = map[string]string{}
	for {
		k, ok, err := p.key()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if _, dup := p.meta[k]; dup {
			return scanners.Errorf(format, p.pos, "%s: duplicate key %q", metadataKey, k)
		}
		tok, err := p.next()
		if err != nil {
			return err
		}
		v, isString := tok.(string)
		if !isString {
			return scanners.Errorf(format, p.pos, "%s: value of %q must be a string, not %s", metadataKey, k, kind(tok))
		}
		p.meta[k] = v
		if k == "format" {
			p.formatOff = p.pos
		}
	}
}

// Bits for the fields of a tensor entry.
const (
	hasDtype = 1 << iota
	hasShape
	hasOffsets
)

// parseTensor reads the object describing tensor name, whose key starts at
// file offset keyOff. Unknown fields are skipped, as the reference (serde
// without deny_unknown_fields) does; duplicate fields are errors.
func (p *parser) parseTensor(name string, keyOff int64) (entry, error) {
	e := entry{name: name}
	tok, err := p.next()
	if err != nil {
		return e, err
	}
	if tok != json.Delim('{') {
		return e, scanners.Errorf(format, p.pos, "tensor %q must be an object, not %s", name, kind(tok))
	}
	var have int
	var unknown map[string]struct{}
	for {
		field, ok, err := p.key()
		if err != nil {
			return e, err
		}
		if !ok {
			break
		}
		bit := fieldBit(field)
		dup := have&bit != 0
		if bit == 0 {
			_, dup = unknown[field]
			if unknown == nil {
				unknown = map[string]struct{}{}
			}
			unknown[field] = struct{}{}
		}
		if dup {
			return e, scanners.Errorf(format, p.pos, "tensor %q: duplicate key %q", name, field)
		}
		have |= bit
		if err := p.parseField(&e, field); err != nil {
			return e, err
		}
	}
	for _, f := range []struct {
		bit  int
		name string
	}{{hasDtype, "dtype"}, {hasShape, "shape"}, {hasOffsets, "data_offsets"}} {
		if have&f.bit == 0 {
			return e, scanners.Errorf(format, keyOff, "tensor %q has no %q", name, f.name)
		}
	}
	return e, nil
}

// parseField reads the value of one field of a tensor entry into e.
func (p *parser) parseField(e *entry, field string) error {
	switch field {
	case "dtype":
		tok, err := p.next()
		if err != nil {
			return err
		}
		s, ok := tok.(string)
		if !ok {
			return scanners.Errorf(format, p.pos, "tensor %q: dtype must be a string, not %s", e.name, kind(tok))
		}
		if dtypeBits[Dtype(s)] == 0 {
			return scanners.Errorf(format, p.pos, "tensor %q: unknown dtype %q", e.name, s)
		}
		e.dtype = Dtype(s)
	case "shape":
		shape, err := p.uints(e.name, field, maxRank)
		if err != nil {
			return err
		}
		e.shape = shape
		n, ok := product(shape)
		e.elements, e.elementsOver = n, !ok
		e.shapeOff = p.arrayOff
	case "data_offsets":
		offs, err := p.uints(e.name, field, 2)
		if err != nil {
			return err
		}
		if len(offs) != 2 {
			return scanners.Errorf(format, p.arrayOff, "tensor %q: data_offsets must hold 2 numbers, not %d", e.name, len(offs))
		}
		e.begin, e.end, e.offsetsOff = offs[0], offs[1], p.arrayOff
	default:
		tok, err := p.next()
		if err != nil {
			return err
		}
		return p.skip(tok, 3)
	}
	return nil
}

func fieldBit(field string) int {
	switch field {
	case "dtype":
		return hasDtype
	case "shape":
		return hasShape
	case "data_offsets":
		return hasOffsets
	}
	return 0
}

// uints reads an array of at most limit unsigned 64-bit integers, the value
// of field of tensor name. Like serde_json's usize, it takes only plain
// digits: no sign, fraction or exponent.
func (p *parser) uints(name, field string, limit int) ([]uint64, error) {
	tok, err := p.next()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, scanners.Errorf(format, p.pos, "tensor %q: %s must be an array, not %s", name, field, kind(tok))
	}
	p.arrayOff = p.pos
	out := []uint64{}
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		if tok == json.Delim(']') {
			return out, nil
		}
		if len(out) == limit {
			return nil, scanners.Errorf(format, p.arrayOff, "tensor %q: %s has more than %d entries", name, field, limit)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, scanners.Errorf(format, p.pos, "tensor %q: %s must hold integers, not %s", name, field, kind(tok))
		}
		if strings.ContainsAny(string(num), "-.eE") {
			return nil, scanners.Errorf(format, p.pos, "tensor %q: %s entry %s is not a non-negative integer", name, field, num)
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil {
			return nil, scanners.Errorf(format, p.pos, "tensor %q: %s entry %s does not fit in 64 bits", name, field, num)
		}
		out = append(out, v)
	}
}

// skip reads past the value that starts with tok, at nesting depth depth,
// rejecting duplicate keys and nesting deeper than maxDepth.
func (p *parser) skip(tok json.Token, depth int) error {
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth > maxDepth {
		return scanners.Errorf(format, p.pos, "JSON nested deeper than %d levels", maxDepth)
	}
	if d == '[' {
		for {
			tok, err := p.next()
			if err != nil {
				return err
			}
			if tok == json.Delim(']') {
				return nil
			}
			if err := p.skip(tok, depth+1); err != nil {
				return err
			}
		}
	}
	seen := map[string]struct{}{}
	for {
		k, ok, err := p.key()
		if err != nil || !ok {
			return err
		}
		if _, dup := seen[k]; dup {
			return scanners.Errorf(format, p.pos, "duplicate key %q", k)
		}
		seen[k] = struct{}{}
		tok, err := p.next()
		if err != nil {
			return err
		}
		if err := p.skip(tok, depth+1); err != nil {
			return err
		}
	}
}

// kind names the JSON type of a token for error messages.
func kind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return strconv.Quote(t.String())
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}
