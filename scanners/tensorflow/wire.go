package tensorflow

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// winSize is how many bytes the reader keeps in memory at once. Messages are
// walked in file order, so one forward window serves nearly every read.
const winSize = 64 << 10

// window reads an io.ReaderAt through one cached window of winSize bytes.
// Memory stays at winSize however large the file is: payloads that are not
// needed (tensor contents) are skipped by offset, never read.
type window struct {
	r    io.ReaderAt
	size int64
	buf  []byte
	off  int64
}

// at returns up to n (≤ winSize) bytes at off, fewer only at the end of the
// input. The slice is valid until the next call.
func (w *window) at(off int64, n int) ([]byte, error) {
	if off < 0 || off > w.size {
		return nil, fmt.Errorf("tensorflow: offset %d outside the %d-byte input", off, w.size)
	}
	n = int(min(int64(n), w.size-off))
	if off >= w.off && off+int64(n) <= w.off+int64(len(w.buf)) {
		return w.buf[off-w.off : off-w.off+int64(n)], nil
	}
	if w.buf == nil {
		w.buf = make([]byte, 0, winSize)
	}
	m := int(min(winSize, w.size-off))
	w.buf = w.buf[:m]
	got, err := w.r.ReadAt(w.buf, off)
	if got < m {
		w.buf = w.buf[:0]
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("tensorflow: reading at offset %d: %w", off, err)
	}
	w.off = off
	return w.buf[:n], nil
}

// field is one decoded protobuf field.
type field struct {
	num protowire.Number
	typ protowire.Type
	// off is the offset of the field's tag.
	off int64
	// val holds a varint or fixed value.
	val uint64
	// start and end delimit a length-delimited payload.
	start, end int64
}

// decoder walks protobuf messages inside a file, checking every length
// against the bytes that remain in the enclosing message.
type decoder struct {
	ctx   context.Context
	w     window
	lim   Limits
	steps int
}

// errf returns a *scanners.FormatError at off.
func (d *decoder) errf(off int64, msg string, args ...any) error {
	return &scanners.FormatError{Format: format, Offset: min(max(off, 0), d.w.size), Msg: fmt.Sprintf(msg, args...)}
}

// next decodes the field at pos, which must lie before end, and returns it
// with the position after it. Groups are skipped whole (a proto3 parser
// keeps them as unknown fields).
func (d *decoder) next(pos, end int64, depth int) (field, int64, error) {
	if d.steps++; d.steps&0xfff == 0 {
		if err := d.ctx.Err(); err != nil {
			return field{}, pos, err
		}
	}
	b, err := d.w.at(pos, int(min(end-pos, 2*binaryMaxVarint)))
	if err != nil {
		return field{}, pos, d.errf(pos, "%v", err)
	}
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return field{}, pos, d.errf(pos, "bad field tag: %v", protowire.ParseError(n))
	}
	f := field{num: num, typ: typ, off: pos}
	b = b[n:]
	pos += int64(n)
	switch typ {
	case protowire.VarintType:
		v, m := protowire.ConsumeVarint(b)
		if m < 0 {
			return f, pos, d.errf(pos, "bad varint in field %d: %v", num, protowire.ParseError(m))
		}
		f.val, pos = v, pos+int64(m)
	case protowire.Fixed32Type, protowire.Fixed64Type:
		size := int64(4)
		if typ == protowire.Fixed64Type {
			size = 8
		}
		if end-pos < size {
			return f, pos, d.errf(pos, "field %d: %d-byte value past the end of its message", num, size)
		}
		pos += size
	case protowire.BytesType:
		l, m := protowire.ConsumeVarint(b)
		if m < 0 {
			return f, pos, d.errf(pos, "bad length of field %d: %v", num, protowire.ParseError(m))
		}
		pos += int64(m)
		if l > uint64(end-pos) { //nolint:gosec // end-pos >= 0: the varint ended before end
			return f, pos, d.errf(f.off, "field %d: length %d exceeds the %d bytes left in its message", num, l, end-pos)
		}
		f.start, f.end = pos, pos+int64(l) //nolint:gosec // l <= end-pos, checked above
		pos = f.end
	case protowire.StartGroupType:
		pos, err = d.skipGroup(num, pos, end, depth+1)
		if err != nil {
			return f, pos, err
		}
	case protowire.EndGroupType:
		return f, pos, d.errf(f.off, "end of group %d without a start", num)
	default:
		return f, pos, d.errf(f.off, "field %d: unknown wire type %d", num, typ)
	}
	return f, pos, nil
}

// binaryMaxVarint is the longest varint encoding.
const binaryMaxVarint = 10

// skipGroup skips the fields of group num that starts at pos and returns the
// position after its end tag.
func (d *decoder) skipGroup(num protowire.Number, pos, end int64, depth int) (int64, error) {
	if depth > d.lim.maxDepth() {
		return pos, d.errf(pos, "messages nested more than %d deep", d.lim.maxDepth())
	}
	for pos < end {
		b, err := d.w.at(pos, int(min(end-pos, binaryMaxVarint)))
		if err != nil {
			return pos, d.errf(pos, "%v", err)
		}
		if n, typ, m := protowire.ConsumeTag(b); m > 0 && typ == protowire.EndGroupType {
			if n != num {
				return pos, d.errf(pos, "group %d closed by end of group %d", num, n)
			}
			return pos + int64(m), nil
		}
		_, pos, err = d.next(pos, end, depth)
		if err != nil {
			return pos, err
		}
	}
	return pos, d.errf(pos, "group %d not closed before the end of its message", num)
}

// walk calls fn for every field of the message in [start, end). depth is the
// nesting depth of that message, the SavedModel being 1.
func (d *decoder) walk(start, end int64, depth int, fn func(f field) error) error {
	if depth > d.lim.maxDepth() {
		return d.errf(start, "messages nested more than %d deep", d.lim.maxDepth())
	}
	for pos := start; pos < end; {
		f, np, err := d.next(pos, end, depth)
		if err != nil {
			return err
		}
		pos = np
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// isBytes reports whether f is length-delimited field num; a field whose
// wire type does not match its declaration is an unknown field to protobuf
// parsers, and is skipped here too.
func (f field) isBytes(num protowire.Number) bool {
	return f.num == num && f.typ == protowire.BytesType
}

// isVarint reports whether f is varint field num.
func (f field) isVarint(num protowire.Number) bool {
	return f.num == num && f.typ == protowire.VarintType
}

// str reads the payload of f as a string, clipped to Limits.MaxString bytes.
func (d *decoder) str(f field) (string, error) {
	n := min(f.end-f.start, int64(d.lim.maxString()))
	b, err := d.w.at(f.start, int(n))
	if err != nil {
		return "", d.errf(f.start, "%v", err)
	}
	return string(b), nil
}
