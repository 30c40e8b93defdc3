package tflite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// pageSize and maxPages bound the bytes cached from the file: FlatBuffers
// are read at random offsets, but only the few tables TFLite keeps, never
// the tensor data.
const (
	pageSize = 4096
	maxPages = 64
)

// flat reads a FlatBuffer through a small page cache. Every offset it
// follows is checked against the file size before it is used; nothing is
// allocated from a length in the file.
type flat struct {
	r     io.ReaderAt
	size  int64
	pages map[int64][]byte
	order []int64
	lim   Limits
}

func (b *flat) errf(off int64, msg string, args ...any) error {
	return &scanners.FormatError{Format: format, Offset: min(max(off, 0), b.size), Msg: fmt.Sprintf(msg, args...)}
}

// page returns the cached page holding off.
func (b *flat) page(off int64) ([]byte, error) {
	idx := off / pageSize
	if p, ok := b.pages[idx]; ok {
		return p, nil
	}
	if len(b.order) >= maxPages {
		delete(b.pages, b.order[0])
		b.order = b.order[1:]
	}
	start := idx * pageSize
	p := make([]byte, min(pageSize, b.size-start))
	if n, err := b.r.ReadAt(p, start); n < len(p) {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, b.errf(start, "reading: %v", err)
	}
	b.pages[idx] = p
	b.order = append(b.order, idx)
	return p, nil
}

// bytes returns the n (≤ 8) bytes at off, checked against the file size.
func (b *flat) bytes(off int64, n int) ([8]byte, error) {
	var out [8]byte
	if off < 0 || off > b.size-int64(n) {
		return out, b.errf(off, "%d-byte value at offset %d lies outside the %d-byte file", n, off, b.size)
	}
	for i := 0; i < n; {
		p, err := b.page(off + int64(i))
		if err != nil {
			return out, err
		}
		i += copy(out[i:n], p[(off+int64(i))%pageSize:])
	}
	return out, nil
}

func (b *flat) u16(off int64) (uint16, error) {
	v, err := b.bytes(off, 2)
	return binary.LittleEndian.Uint16(v[:]), err
}

func (b *flat) u32(off int64) (uint32, error) {
	v, err := b.bytes(off, 4)
	return binary.LittleEndian.Uint32(v[:]), err
}

// deref follows the uoffset stored at off.
func (b *flat) deref(off int64) (int64, error) {
	v, err := b.u32(off)
	if err != nil {
		return 0, err
	}
	t := off + int64(v)
	if t > b.size-4 {
		return 0, b.errf(off, "offset %d points past the end of the %d-byte file", v, b.size)
	}
	return t, nil
}

// table is a FlatBuffer table: its position, its vtable and the sizes of
// both.
type table struct {
	pos, vt      int64
	vtLen, tbLen int64
}

// table reads the table at pos and checks its vtable.
func (b *flat) table(pos int64) (table, error) {
	so, err := b.u32(pos)
	if err != nil {
		return table{}, err
	}
	vt := pos - int64(int32(so)) //nolint:gosec // soffset_t is signed
	vl, err := b.u16(vt)
	if err != nil {
		return table{}, b.errf(pos, "vtable at offset %d lies outside the file", vt)
	}
	tl, err := b.u16(vt + 2)
	if err != nil {
		return table{}, err
	}
	switch {
	case vl < 4 || vl%2 != 0 || vt > b.size-int64(vl):
		return table{}, b.errf(vt, "bad vtable size %d", vl)
	case tl < 4 || pos > b.size-int64(tl):
		return table{}, b.errf(vt, "table size %d runs past the end of the file", tl)
	}
	return table{pos: pos, vt: vt, vtLen: int64(vl), tbLen: int64(tl)}, nil
}

// field returns the position of field slot of t, sized n bytes, or -1 when
// the field is absent.
func (b *flat) field(t table, slot, n int) (int64, error) {
	at := int64(4 + 2*slot)
	if at+2 > t.vtLen {
		return -1, nil
	}
	o, err := b.u16(t.vt + at)
	if err != nil || o == 0 {
		return -1, err
	}
	if int64(o)+int64(n) > t.tbLen {
		return -1, b.errf(t.vt+at, "field %d at %d lies outside its %d-byte table", slot, o, t.tbLen)
	}
	return t.pos + int64(o), nil
}

// scalar reads an n-byte little-endian scalar field (0 when absent: callers
// pass the schema default themselves).
func (b *flat) scalar(t table, slot, n int) (uint64, bool, error) {
	p, err := b.field(t, slot, n)
	if err != nil || p < 0 {
		return 0, false, err
	}
	v, err := b.bytes(p, n)
	return binary.LittleEndian.Uint64(v[:]), true, err
}

// vector returns the position of the first element and the length of the
// vector field slot, checking that elem-byte elements fit in the file.
func (b *flat) vector(t table, slot int, elem int64) (int64, int64, error) {
	p, err := b.field(t, slot, 4)
	if err != nil || p < 0 {
		return 0, 0, err
	}
	v, err := b.deref(p)
	if err != nil {
		return 0, 0, err
	}
	n, err := b.u32(v)
	if err != nil {
		return 0, 0, err
	}
	if int64(n) > (b.size-v-4)/elem {
		return 0, 0, b.errf(v, "vector of %d %d-byte elements runs past the end of the file", n, elem)
	}
	return v + 4, int64(n), nil
}

// subtable follows element i of a vector of tables starting at start.
func (b *flat) subtable(start, i int64) (table, error) {
	p, err := b.deref(start + 4*i)
	if err != nil {
		return table{}, err
	}
	return b.table(p)
}

// str reads the string field slot, clipped to Limits.MaxString bytes.
func (b *flat) str(t table, slot int) (string, error) {
	start, n, err := b.vector(t, slot, 1)
	if err != nil || n == 0 {
		return "", err
	}
	n = min(n, int64(b.lim.maxString()))
	buf := make([]byte, n)
	if got, err := b.r.ReadAt(buf, start); int64(got) < n {
		return "", b.errf(start, "reading string: %v", err)
	}
	return string(buf), nil
}
