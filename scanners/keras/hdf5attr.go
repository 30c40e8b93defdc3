package keras

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Datatype classes.
const (
	classString = 3
	classVLen   = 9
)

// attribute is one attribute of an object, with its value when it is a
// string.
type attribute struct {
	name string
	off  int64 // absolute offset of the attribute message
	// str is the first string element and strOff its absolute offset;
	// isString is false for other types.
	str      []byte
	strOff   int64
	isString bool
}

// unreadable records an attribute (or attribute storage) that could not be
// read: a model config could hide there.
func (h *h5) unreadable(off int64, msg string, args ...any) {
	h.problems = append(h.problems, scanners.Finding{
		Rule: RuleUnreadable, Severity: scanners.Medium, Offset: off, ATLAS: scanners.ATLASUnsafeArtifact,
		Message: fmt.Sprintf(msg, args...) + ": a model config stored there was not checked",
	})
}

// attributes reads the attributes of the object header at off. Storage it
// cannot read is recorded in h.problems.
func (h *h5) attributes(off int64) ([]attribute, error) {
	msgs, err := h.messages(off)
	var out []attribute
	for _, m := range msgs {
		switch m.typ {
		case msgAttribute:
			if m.flags&0x02 != 0 {
				h.unreadable(m.off, "attribute stored as a shared message")
				continue
			}
			a, aerr := h.attribute(m)
			if aerr != nil {
				return out, aerr
			}
			out = append(out, a)
		case msgAttrInfo:
			h.attrInfo(m)
		}
	}
	return out, err
}

// attrInfo checks an attribute info message for dense storage.
func (h *h5) attrInfo(m message) {
	d := m.data
	if len(d) < 2 {
		h.unreadable(m.off, "malformed attribute info message")
		return
	}
	pos := 2
	if d[1]&0x01 != 0 {
		pos += 2
	}
	if len(d) < pos+h.so {
		h.unreadable(m.off, "malformed attribute info message")
		return
	}
	if _, ok := h.addr(le(d[pos:], h.so)); ok {
		h.unreadable(m.off, "attributes kept in dense storage (a fractal heap), which this reader does not read")
	}
}

func pad8(n int) int { return (n + 7) &^ 7 }

// attribute parses an attribute message (versions 1 to 3).
func (h *h5) attribute(m message) (attribute, error) {
	d := m.data
	a := attribute{off: m.off}
	if len(d) < 8 {
		return a, errAt(m.off, "attribute message of %d bytes", len(d))
	}
	ver, flags := d[0], d[1]
	nameN := int(binary.LittleEndian.Uint16(d[2:]))
	typeN := int(binary.LittleEndian.Uint16(d[4:]))
	spaceN := int(binary.LittleEndian.Uint16(d[6:]))
	pad := func(n int) int { return n }
	pos := 8
	switch ver {
	case 1:
		pad, flags = pad8, 0
	case 2:
	case 3:
		pos = 9
	default:
		return a, errAt(m.off, "unknown attribute message version %d", ver)
	}
	end := pos + pad(nameN) + pad(typeN) + pad(spaceN)
	if end > len(d) {
		return a, errAt(m.off, "attribute message of %d bytes holds fields of %d", len(d), end)
	}
	name := d[pos : pos+nameN]
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	a.name = string(name)
	dt := d[pos+pad(nameN) : pos+pad(nameN)+typeN]
	ds := d[pos+pad(nameN)+pad(typeN) : pos+pad(nameN)+pad(typeN)+spaceN]
	if flags&0x03 != 0 {
		h.unreadable(m.off, "attribute %q has a shared datatype or dataspace", a.name)
		return a, nil
	}
	n, err := elements(ds, h.sl)
	if err != nil {
		return a, errAt(m.off, "attribute %q: %v", a.name, err)
	}
	return h.stringValue(a, dt, n, d[end:], m.off+int64(end))
}

// elements returns the number of elements a dataspace message describes.
func elements(ds []byte, sl int) (uint64, error) {
	if len(ds) < 4 {
		return 0, fmt.Errorf("dataspace of %d bytes", len(ds))
	}
	ver, rank := ds[0], int(ds[1])
	pos := 8
	switch ver {
	case 1:
	case 2:
		pos = 4
		if ds[3] == 2 {
			return 0, nil // null dataspace
		}
	default:
		return 0, fmt.Errorf("unknown dataspace version %d", ver)
	}
	if rank > 32 || len(ds) < pos+sl*rank {
		return 0, fmt.Errorf("dataspace of rank %d in %d bytes", rank, len(ds))
	}
	n := uint64(1)
	for i := range rank {
		dim := le(ds[pos+sl*i:], sl)
		if dim != 0 && n > (1<<62)/dim {
			return 0, fmt.Errorf("dataspace of %d dimensions overflows", rank)
		}
		n *= dim
	}
	return n, nil
}

// stringValue reads the first element of a string attribute: fixed-length
// strings lie in the message, variable-length ones in the global heap.
func (h *h5) stringValue(a attribute, dt []byte, n uint64, data []byte, dataOff int64) (attribute, error) {
	if len(dt) < 8 {
		return a, errAt(a.off, "attribute %q: datatype of %d bytes", a.name, len(dt))
	}
	class := dt[0] & 0x0f
	size := uint64(binary.LittleEndian.Uint32(dt[4:]))
	switch {
	case class == classString:
		a.isString = true
		if n == 0 {
			return a, nil
		}
		if size > uint64(len(data)) {
			return a, errAt(dataOff, "attribute %q: string of %d bytes in %d", a.name, size, len(data))
		}
		s := data[:size]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		a.str, a.strOff = bytes.TrimRight(s, " "), dataOff
		return a, nil
	case class == classVLen && dt[1]&0x0f == 1:
		a.isString = true
		if n == 0 {
			return a, nil
		}
		need := 4 + h.so + 4
		if len(data) < need {
			return a, errAt(dataOff, "attribute %q: variable-length string reference of %d bytes", a.name, len(data))
		}
		length := int64(binary.LittleEndian.Uint32(data))
		heap, ok := h.addr(le(data[4:], h.so))
		if !ok {
			if length == 0 {
				return a, nil
			}
			return a, errAt(dataOff+4, "attribute %q: global heap address lies outside the file", a.name)
		}
		idx := binary.LittleEndian.Uint32(data[4+h.so:])
		s, off, err := h.heapObject(heap, idx, length)
		a.str, a.strOff = s, off
		return a, err
	}
	return a, nil
}

// heapObject reads length bytes of object idx of the global heap
// collection at off.
func (h *h5) heapObject(off int64, idx uint32, length int64) ([]byte, int64, error) {
	hdr, err := h.read(off, int64(8+h.sl), 16)
	if err != nil || !bytes.Equal(hdr[:4], []byte("GCOL")) {
		return nil, 0, errAt(off, "no global heap collection (GCOL) here")
	}
	total := le(hdr[8:], h.sl)
	if total > uint64(h.size-off) { //nolint:gosec // off <= size
		return nil, 0, errAt(off, "global heap collection of %d bytes runs past the end of the file", total)
	}
	end := off + int64(total) //nolint:gosec // checked above
	pos := off + int64(8+h.sl)
	objHdr := int64(8 + h.sl)
	for range h.lim.MaxHeapObjects {
		if pos+objHdr > end {
			break
		}
		oh, err := h.read(pos, objHdr, 16)
		if err != nil {
			return nil, 0, err
		}
		id := uint32(binary.LittleEndian.Uint16(oh))
		size := le(oh[8:], h.sl)
		if size > uint64(end-pos-objHdr) { //nolint:gosec // pos+objHdr <= end
			return nil, 0, errAt(pos, "global heap object of %d bytes overruns its collection", size)
		}
		if id == idx && id != 0 {
			if length < 0 || uint64(length) > size {
				return nil, 0, errAt(pos, "string of %d bytes in a global heap object of %d", length, size)
			}
			if length > h.lim.MaxConfig {
				return nil, 0, errAt(pos, "string of %d bytes exceeds the limit of %d", length, h.lim.MaxConfig)
			}
			b, err := h.read(pos+objHdr, length, h.lim.MaxConfig)
			return b, pos + objHdr, err
		}
		if id == 0 {
			break // free space: the rest of the collection
		}
		pos += objHdr + int64(pad8(int(size))) //nolint:gosec // size < file size
	}
	return nil, 0, errAt(off, "global heap object %d not found", idx)
}
