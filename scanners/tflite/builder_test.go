package tflite

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// fb is an object to lay out in a test FlatBuffer: a table, a vector or a
// string.
type fb interface{}

// tbl is a table; its fields are indexed by slot (nil: absent).
type tbl []fv

// fv is a table field: a scalar of size bytes or a child object.
type fv struct {
	size  int
	val   uint64
	child fb
	set   bool
}

func u8(v int8) fv    { return fv{size: 1, val: uint64(uint8(v)), set: true} }
func u32(v uint32) fv { return fv{size: 4, val: uint64(v), set: true} }
func i32(v int32) fv  { return fv{size: 4, val: uint64(uint32(v)), set: true} }
func u64(v uint64) fv { return fv{size: 8, val: v, set: true} }
func ref(c fb) fv     { return fv{size: 4, child: c, set: true} }

// ivec is a vector of int32; tvec a vector of tables; str a string; bvec
// a byte vector.
type (
	ivec []int32
	tvec []fb
	str  string
	bvec []byte
)

type builder struct{ buf []byte }

func (b *builder) align(n int) {
	for len(b.buf)%n != 0 {
		b.buf = append(b.buf, 0)
	}
}

func (b *builder) put32(at int, v uint32) { binary.LittleEndian.PutUint32(b.buf[at:], v) }

// place writes o and then its children, patching the offsets to them.
func (b *builder) place(o fb) int {
	type pend struct {
		at    int
		child fb
	}
	var pending []pend
	b.align(4)
	pos := len(b.buf)
	switch o := o.(type) {
	case str:
		b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(len(o)))
		b.buf = append(append(b.buf, o...), 0)
	case bvec:
		b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(len(o)))
		b.buf = append(b.buf, o...)
	case ivec:
		b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(len(o)))
		for _, v := range o {
			b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(v))
		}
	case tvec:
		b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(len(o)))
		for _, c := range o {
			pending = append(pending, pend{len(b.buf), c})
			b.buf = append(b.buf, 0, 0, 0, 0)
		}
	case tbl:
		vt := pos
		b.buf = append(b.buf, make([]byte, 4+2*len(o))...)
		b.align(8)
		pos = len(b.buf)
		b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(pos-vt))
		for slot, f := range o {
			if !f.set {
				continue
			}
			b.align(f.size)
			binary.LittleEndian.PutUint16(b.buf[vt+4+2*slot:], uint16(len(b.buf)-pos))
			if f.child != nil {
				pending = append(pending, pend{len(b.buf), f.child})
			}
			var v [8]byte
			binary.LittleEndian.PutUint64(v[:], f.val)
			b.buf = append(b.buf, v[:f.size]...)
		}
		binary.LittleEndian.PutUint16(b.buf[vt:], uint16(4+2*len(o)))
		binary.LittleEndian.PutUint16(b.buf[vt+2:], uint16(len(b.buf)-pos))
	}
	for _, p := range pending {
		b.put32(p.at, uint32(b.place(p.child)-p.at))
	}
	return pos
}

// flatbuffer lays out root after the root offset and "TFL3".
func flatbuffer(root fb) []byte {
	b := &builder{buf: append(make([]byte, 4), identifier...)}
	b.put32(0, uint32(b.place(root)))
	return b.buf
}

// opcode is an OperatorCode; custom may be "".
func opcode(builtin int32, custom string) tbl {
	t := tbl{u8(int8(min(builtin, 127))), {}, i32(1), i32(builtin)}
	if custom != "" {
		t[1] = ref(str(custom))
	}
	return t
}

func tensorT(name string, shape ...int32) tbl {
	return tbl{ref(ivec(shape)), u8(0), u32(0), ref(str(name))}
}

// modelT is a valid model: FULLY_CONNECTED then ADD, plus one operator per
// extra code.
func modelT(extra ...tbl) tbl {
	codes := tvec{opcode(9, ""), opcode(0, "")}
	ops := tvec{tbl{u32(0), ref(ivec{0, 1}), ref(ivec{2})}, tbl{u32(1), ref(ivec{2, 2}), ref(ivec{3})}}
	for i, c := range extra {
		codes = append(codes, c)
		ops = append(ops, tbl{u32(uint32(2 + i)), ref(ivec{3}), ref(ivec{3})})
	}
	sub := tbl{ref(tvec{tensorT("x", 1, 4), tensorT("w", 2, 4), tensorT("fc", 1, 2), tensorT("y", 1, 2)}),
		ref(ivec{0}), ref(ivec{3}), ref(ops), ref(str("main"))}
	return tbl{u32(3), ref(codes), ref(tvec{sub}), ref(str("test model")), ref(tvec{tbl{}, tbl{ref(bvec{1, 2})}}),
		{}, ref(tvec{tbl{ref(str("min_runtime_version")), u32(1)}})}
}

func scan(t *testing.T, in []byte) ([]scanners.Finding, error) {
	t.Helper()
	return scanners.FindingsOf(New().Scan(context.Background(), scanners.File{Path: "m.tflite", Size: int64(len(in)), R: bytes.NewReader(in)}))
}
