package onnx

import (
	"errors"
	"io"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// format is the Format of every FormatError this package returns.
const format = "onnx"

// windowSize is how many bytes the cursor reads from the file at a time.
const windowSize = 64 << 10

// cursor reads a file through a small window, so that skipping a
// multi-gigabyte raw_data field costs nothing and no read is sized by the
// file.
type cursor struct {
	r    io.ReaderAt
	size int64
	buf  []byte
	wOff int64 // file offset of buf[0]
	wLen int   // valid bytes in buf
}

func newCursor(r io.ReaderAt, size int64) *cursor {
	return &cursor{r: r, size: size, buf: make([]byte, min(max(size, 16), windowSize))}
}

// window returns the bytes at [off, min(off+n, end)), reading them if the
// window does not hold them. n is at most the window size.
func (c *cursor) window(off, end int64, n int) ([]byte, error) {
	end = min(end, c.size)
	if off >= end {
		return nil, nil
	}
	want := int(min(int64(n), end-off))
	if off < c.wOff || off+int64(want) > c.wOff+int64(c.wLen) {
		m := int(min(int64(len(c.buf)), c.size-off))
		got, err := c.r.ReadAt(c.buf[:m], off)
		if got < m {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			c.wLen = 0
			return nil, scanners.Errorf(format, off, "reading: %v", err)
		}
		c.wOff, c.wLen = off, m
	}
	i := int(off - c.wOff)
	return c.buf[i : i+want], nil
}

// bytes returns a copy of the n bytes at off, which the caller has checked
// lie inside the message and are at most a limit it set.
func (c *cursor) bytes(off int64, n int) ([]byte, error) {
	out := make([]byte, 0, n)
	for len(out) < n {
		w, err := c.window(off+int64(len(out)), c.size, min(n-len(out), len(c.buf)))
		if err != nil {
			return nil, err
		}
		if len(w) == 0 {
			return nil, scanners.Errorf(format, off, "reading %d bytes: unexpected end of file", n)
		}
		out = append(out, w...)
	}
	return out, nil
}

// varint decodes the varint at off, which must end before end.
func (c *cursor) varint(off, end int64) (uint64, int64, error) {
	w, err := c.window(off, end, protowire.SizeVarint(1<<63))
	if err != nil {
		return 0, 0, err
	}
	v, n := protowire.ConsumeVarint(w)
	if n < 0 {
		if errors.Is(protowire.ParseError(n), io.ErrUnexpectedEOF) {
			return 0, 0, scanners.Errorf(format, off, "varint runs past the end of its message")
		}
		return 0, 0, scanners.Errorf(format, off, "invalid varint: %v", protowire.ParseError(n))
	}
	return v, int64(n), nil
}

// field is one field of a protobuf message.
type field struct {
	num protowire.Number
	typ protowire.Type
	// off is the offset of the tag.
	off int64
	// val is the value of a varint, fixed32 or fixed64 field.
	val uint64
	// start and end delimit the payload of a length-delimited field.
	start, end int64
}

// next reads the field at off, which lies before end, the end of its
// message; it returns the field and the offset after it. Groups, which no
// ONNX message has, are skipped whole as the protobuf runtime does.
func (p *parser) next(off, end int64) (field, int64, error) {
	tag, n, err := p.c.varint(off, end)
	if err != nil {
		return field{}, 0, err
	}
	f := field{off: off}
	if tag>>3 > uint64(protowire.MaxValidNumber) || tag>>3 == 0 {
		return f, 0, scanners.Errorf(format, off, "invalid field number %d", tag>>3)
	}
	f.num, f.typ = protowire.Number(tag>>3), protowire.Type(tag&7)
	pos := off + n
	switch f.typ {
	case protowire.VarintType:
		f.val, n, err = p.c.varint(pos, end)
		return f, pos + n, err
	case protowire.Fixed32Type, protowire.Fixed64Type:
		width := int64(4)
		if f.typ == protowire.Fixed64Type {
			width = 8
		}
		if end-pos < width {
			return f, 0, scanners.Errorf(format, pos, "field %d: %d-byte value runs past the end of its message", f.num, width)
		}
		return f, pos + width, nil
	case protowire.BytesType:
		l, n, err := p.c.varint(pos, end)
		if err != nil {
			return f, 0, err
		}
		if l > uint64(end-pos-n) { //nolint:gosec // end-pos-n >= 0: the varint ended before end
			return f, 0, scanners.Errorf(format, pos, "field %d: length %d exceeds the %d bytes remaining in its message", f.num, l, end-pos-n)
		}
		f.start, f.end = pos+n, pos+n+int64(l) //nolint:gosec // l <= end-pos-n, checked above
		return f, f.end, nil
	case protowire.StartGroupType:
		after, err := p.skipGroup(f.num, pos, end)
		return f, after, err
	case protowire.EndGroupType:
		return f, 0, scanners.Errorf(format, off, "field %d: end of group without a start", f.num)
	default:
		return f, 0, scanners.Errorf(format, off, "field %d: invalid wire type %d", f.num, f.typ)
	}
}

// skipGroup skips the fields of group num starting at off up to its end
// tag and returns the offset after it.
func (p *parser) skipGroup(num protowire.Number, off, end int64) (int64, error) {
	if err := p.enter(off); err != nil {
		return 0, err
	}
	defer p.leave()
	for off < end {
		tag, n, err := p.c.varint(off, end)
		if err != nil {
			return 0, err
		}
		if protowire.Type(tag&7) == protowire.EndGroupType {
			if protowire.Number(tag>>3) != num { //nolint:gosec // a wrapped number only changes which error is returned
				return 0, scanners.Errorf(format, off, "group %d closed by end of group %d", num, tag>>3)
			}
			return off + n, nil
		}
		_, off, err = p.next(off, end)
		if err != nil {
			return 0, err
		}
	}
	return 0, scanners.Errorf(format, end, "group %d is not closed before the end of its message", num)
}

// each calls fn for every field of the message in [off, end).
func (p *parser) each(off, end int64, fn func(f field) error) error {
	for off < end {
		if err := p.tick(off); err != nil {
			return err
		}
		f, after, err := p.next(off, end)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
		off = after
	}
	return nil
}

// message parses the embedded message f with fn, one level deeper.
func (p *parser) message(f field, fn func(off, end int64) error) error {
	if err := p.enter(f.off); err != nil {
		return err
	}
	defer p.leave()
	return fn(f.start, f.end)
}

// str returns the string in f, clipped to max bytes; clipped says whether
// it was.
func (p *parser) str(f field, limit int) (s string, clipped bool, err error) {
	n := f.end - f.start
	if n > int64(limit) {
		n, clipped = int64(limit), true
	}
	b, err := p.c.bytes(f.start, int(n))
	return string(b), clipped, err
}

// text returns the string in f clipped to the configured string limit.
func (p *parser) text(f field) (string, error) {
	s, _, err := p.str(f, p.lim.MaxString)
	return s, err
}

// int64s calls fn with each value of a repeated int64 field, packed or not.
func (p *parser) int64s(f field, fn func(v int64)) error {
	switch f.typ {
	case protowire.VarintType:
		fn(int64(f.val)) //nolint:gosec // protobuf int64 is the varint's two's complement
		return nil
	case protowire.BytesType:
		for off := f.start; off < f.end; {
			v, n, err := p.c.varint(off, f.end)
			if err != nil {
				return err
			}
			fn(int64(v)) //nolint:gosec // as above
			off += n
		}
		return nil
	default:
		return nil
	}
}
