package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Thrift compact protocol type codes (fields; list elements use the same
// codes, with 1 meaning bool).
const (
	tStop   = 0
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
)

// maxThriftDepth bounds struct/list nesting; Parquet metadata needs < 10.
const maxThriftDepth = 32

// errThrift is wrapped by every decoding error of the compact reader.
var errThrift = errors.New("malformed thrift")

// thrift reads the Thrift compact protocol from an in-memory buffer. Every
// length and count is checked against the bytes that remain before it is
// used; the first error sticks and later reads return zero values.
type thrift struct {
	b   []byte
	off int
	err error
}

func (t *thrift) fail(format string, args ...any) {
	if t.err == nil {
		t.err = fmt.Errorf("%w at byte %d: %s", errThrift, t.off, fmt.Sprintf(format, args...))
	}
}

func (t *thrift) remaining() int { return len(t.b) - t.off }

// count returns n as an int if it is at most the bytes that remain.
func (t *thrift) count(n uint64) (int, bool) {
	r := t.remaining()
	if r < 0 || n > uint64(r) {
		return 0, false
	}
	return int(n), true //nolint:gosec // n <= r, which is an int
}

func (t *thrift) byte() byte {
	if t.err != nil {
		return 0
	}
	if t.off >= len(t.b) {
		t.fail("unexpected end")
		return 0
	}
	c := t.b[t.off]
	t.off++
	return c
}

func (t *thrift) uvarint() uint64 {
	if t.err != nil {
		return 0
	}
	v, n := binary.Uvarint(t.b[t.off:])
	if n <= 0 {
		t.fail("bad varint")
		return 0
	}
	t.off += n
	return v
}

func (t *thrift) zigzag() int64 {
	u := t.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// i32 reads a zigzag varint that must fit 32 bits.
func (t *thrift) i32() int32 {
	v := t.zigzag()
	if v < -1<<31 || v > 1<<31-1 {
		t.fail("i32 out of range")
		return 0
	}
	return int32(v)
}

// binary returns a slice of the buffer (not a copy) of a length-prefixed
// string.
func (t *thrift) binary() []byte {
	n := t.uvarint()
	if t.err != nil {
		return nil
	}
	k, ok := t.count(n)
	if !ok {
		t.fail("binary of %d bytes, %d remain", n, t.remaining())
		return nil
	}
	s := t.b[t.off : t.off+k]
	t.off += k
	return s
}

// fieldHeader reads a field header; typ is tStop at the end of a struct.
func (t *thrift) fieldHeader(last int16) (id int16, typ byte) {
	h := t.byte()
	typ = h & 0x0f
	if typ == tStop || t.err != nil {
		return 0, tStop
	}
	if d := h >> 4; d != 0 {
		return last + int16(d), typ
	}
	v := t.zigzag()
	if v < -1<<15 || v > 1<<15-1 {
		t.fail("field id out of range")
		return 0, tStop
	}
	return int16(v), typ
}

// listHeader reads a list or set header. The count is checked against the
// remaining bytes: every element takes at least one byte.
func (t *thrift) listHeader() (n int, elem byte) {
	h := t.byte()
	elem = h & 0x0f
	size := uint64(h >> 4)
	if size == 15 {
		size = t.uvarint()
	}
	if t.err != nil {
		return 0, 0
	}
	k, ok := t.count(size)
	if !ok {
		t.fail("list of %d elements, %d bytes remain", size, t.remaining())
		return 0, 0
	}
	return k, elem
}

// skip skips one value of type typ. In lists, bools take one byte.
func (t *thrift) skip(typ byte, depth int, inList bool) {
	if depth > maxThriftDepth {
		t.fail("nesting deeper than %d", maxThriftDepth)
		return
	}
	switch typ {
	case tTrue, tFalse:
		if inList {
			t.byte()
		}
	case tByte:
		t.byte()
	case tI16, tI32, tI64:
		t.uvarint()
	case tDouble:
		if t.remaining() < 8 {
			t.fail("double past end")
			return
		}
		t.off += 8
	case tBinary:
		t.binary()
	case tList, tSet:
		n, elem := t.listHeader()
		for i := 0; i < n && t.err == nil; i++ {
			t.skip(elem, depth+1, true)
		}
	case tMap:
		t.skipMap(depth)
	case tStruct:
		t.structFields(depth+1, func(int16, byte) bool { return false })
	default:
		t.fail("unknown type %d", typ)
	}
}

func (t *thrift) skipMap(depth int) {
	n := t.uvarint()
	if n == 0 || t.err != nil {
		return
	}
	k, ok := t.count(n)
	if !ok {
		t.fail("map of %d entries, %d bytes remain", n, t.remaining())
		return
	}
	kv := t.byte()
	for i := 0; i < k && t.err == nil; i++ {
		t.skip(kv>>4, depth+1, true)
		t.skip(kv&0x0f, depth+1, true)
	}
}

// structFields reads the fields of a struct up to its stop byte, calling
// read for each; read returns false for a field it did not consume, which
// is then skipped.
func (t *thrift) structFields(depth int, read func(id int16, typ byte) bool) {
	if depth > maxThriftDepth {
		t.fail("nesting deeper than %d", maxThriftDepth)
		return
	}
	var last int16
	for t.err == nil {
		id, typ := t.fieldHeader(last)
		if typ == tStop {
			return
		}
		last = id
		if !read(id, typ) {
			t.skip(typ, depth, false)
		}
	}
}
