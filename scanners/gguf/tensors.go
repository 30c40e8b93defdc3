package gguf

import (
	"math"
	"math/bits"
	"sort"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// tensorInfos reads n tensor infos.
func (d *reader) tensorInfos(f *File, n uint64) error {
	seen := map[string]bool{}
	for range n {
		if err := d.tick(); err != nil {
			return err
		}
		t, err := d.tensorInfo()
		if err != nil {
			return err
		}
		if seen[t.Name] {
			return scanners.Errorf(format, t.InfoOffset, "duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		f.Tensors = append(f.Tensors, t)
	}
	return nil
}

// tensorInfo reads one tensor info and computes its size.
func (d *reader) tensorInfo() (Tensor, error) {
	t := Tensor{InfoOffset: d.off}
	name, _, _, err := d.str("tensor name", "", -1)
	if err != nil {
		return t, err
	}
	t.Name = name
	at := d.off
	nd, err := d.u32("dimension count of " + name)
	if err != nil {
		return t, err
	}
	if nd > maxDims {
		return t, scanners.Errorf(format, at, "tensor %q has %d dimensions, more than %d", name, nd, maxDims)
	}
	t.Elements = 1
	overflow := false
	for range nd {
		at := d.off
		dim, err := d.dim(name)
		if err != nil {
			return t, err
		}
		if dim > math.MaxInt64 {
			return t, scanners.Errorf(format, at, "tensor %q has dimension %d, above 2^63-1", name, dim)
		}
		t.Shape = append(t.Shape, dim)
		hi, lo := bits.Mul64(t.Elements, dim)
		overflow = overflow || hi != 0 || lo > math.MaxInt64
		t.Elements = lo
	}
	if overflow {
		return t, scanners.Errorf(format, at, "tensor %q has more than 2^63-1 elements", name)
	}
	return t, d.tensorType(&t)
}

// dim reads one dimension: u32 in v1, u64 since.
func (d *reader) dim(name string) (uint64, error) {
	if d.v1 {
		v, err := d.u32("dimension of " + name)
		return uint64(v), err
	}
	return d.u64("dimension of " + name)
}

// tensorType reads the ggml type and the data offset of t and computes its
// byte size.
func (d *reader) tensorType(t *Tensor) error {
	at := d.off
	typ, err := d.u32("type of " + t.Name)
	if err != nil {
		return err
	}
	t.Type = GGMLType(typ)
	ti, ok := ggmlTypes[t.Type]
	if !ok {
		return scanners.Errorf(format, at, "tensor %q has unknown ggml type %d", t.Name, typ)
	}
	row := uint64(1)
	if len(t.Shape) > 0 {
		row = t.Shape[0]
	}
	if row%ti.block != 0 {
		return scanners.Errorf(format, at, "tensor %q of type %s has %d elements per row, not a multiple of the block size %d",
			t.Name, ti.name, row, ti.block)
	}
	hi, lo := bits.Mul64(t.Elements/ti.block, ti.size)
	if hi != 0 || lo > math.MaxInt64 {
		return scanners.Errorf(format, at, "tensor %q has more than 2^63-1 bytes", t.Name)
	}
	t.Size = lo
	t.Offset, err = d.u64("data offset of " + t.Name)
	return err
}

// layout places the data section after the tensor infos and checks that
// every tensor is aligned, inside the file and apart from the others.
func (d *reader) layout(f *File) error {
	a := int64(f.Alignment)
	start := d.off
	if r := start % a; r != 0 {
		start += a - r
	}
	f.DataOffset = start
	if len(f.Tensors) == 0 {
		return nil
	}
	if start > d.size {
		return scanners.Errorf(format, d.off, "the data section would start at %d, past the end of the %d-byte file", start, d.size)
	}
	room := uint64(d.size - start) //nolint:gosec // start <= size, checked above
	for _, t := range f.Tensors {
		field := t.InfoOffset + d.infoSize(t) - 8
		if t.Offset%uint64(f.Alignment) != 0 {
			return scanners.Errorf(format, field, "tensor %q data offset %d is not a multiple of the alignment %d", t.Name, t.Offset, a)
		}
		if t.Offset > room || t.Size > room-t.Offset {
			return scanners.Errorf(format, field, "tensor %q data [%d, %d+%d) lies outside the %d-byte data section",
				t.Name, t.Offset, t.Offset, t.Size, room)
		}
	}
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return f.Tensors[order[i]].Offset < f.Tensors[order[j]].Offset })
	for k := 1; k < len(order); k++ {
		p, c := f.Tensors[order[k-1]], f.Tensors[order[k]]
		if p.Offset+p.Size > c.Offset {
			return scanners.Errorf(format, c.InfoOffset+d.infoSize(c)-8, "tensor %q data at %d overlaps tensor %q data [%d, %d)",
				c.Name, c.Offset, p.Name, p.Offset, p.Offset+p.Size)
		}
	}
	return nil
}

// infoSize is the encoded size of t's tensor info.
func (d *reader) infoSize(t Tensor) int64 {
	dim := int64(8)
	if d.v1 {
		dim = 4
	}
	return d.lenSize() + int64(len(t.Name)) + 4 + dim*int64(len(t.Shape)) + 4 + 8
}
