package keras

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// hdf5Magic starts an HDF5 superblock.
var hdf5Magic = []byte("\x89HDF\r\n\x1a\n")

// maxChunk bounds one block of object header messages; the library writes
// a few kilobytes.
const maxChunk = 16 << 20

// Message types of object headers.
const (
	msgNil          = 0x0000
	msgAttribute    = 0x000C
	msgContinuation = 0x0010
	msgAttrInfo     = 0x0015
)

// errAt returns the error for malformed input at off.
func errAt(off int64, msg string, args ...any) *scanners.FormatError {
	return &scanners.FormatError{Format: format, Offset: off, Msg: fmt.Sprintf(msg, args...)}
}

// findHDF5 returns the offset of the HDF5 signature: at 0 or after a user
// block of 512, 1024, 2048, ... bytes, at most maxUB into the file.
func findHDF5(r io.ReaderAt, size int64, head []byte, maxUB int64) (int64, bool) {
	var buf [8]byte
	for off := int64(0); off+8 <= size && off <= maxUB; off = max(off*2, 512) {
		b := buf[:]
		if off+8 <= int64(len(head)) {
			b = head[off : off+8]
		} else if n, _ := r.ReadAt(buf[:], off); n < 8 {
			return 0, false
		}
		if bytes.Equal(b, hdf5Magic) {
			return off, true
		}
	}
	return 0, false
}

// h5 reads one HDF5 file.
type h5 struct {
	r      io.ReaderAt
	size   int64
	base   int64 // the superblock's offset: addresses are relative to it
	so, sl int   // sizes of offsets and lengths
	lim    Limits
	// problems are root attributes that could not be read.
	problems []scanners.Finding
}

// read returns n bytes at absolute offset off, inside the file.
func (h *h5) read(off, n, limit int64) ([]byte, error) {
	b, err := safeio.ReadAt(h.r, h.size, off, n, limit)
	if err != nil {
		return nil, errAt(off, "%v", err)
	}
	return b, nil
}

// le reads a little-endian unsigned integer of n bytes (1 to 8).
func le(b []byte, n int) uint64 {
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// addr converts a file address to an absolute offset; ok is false for the
// undefined address and for addresses outside the file.
func (h *h5) addr(a uint64) (int64, bool) {
	if h.so < 8 && a == 1<<(8*h.so)-1 || a == ^uint64(0) {
		return 0, false
	}
	if a > uint64(h.size-h.base) { //nolint:gosec // base <= size
		return 0, false
	}
	return h.base + int64(a), true //nolint:gosec // checked above
}

// openHDF5 parses the superblock at base and returns the absolute offset of
// the root group's object header. A truncated file is returned with an
// error beside the offset.
func openHDF5(r io.ReaderAt, size, base int64, lim Limits) (*h5, int64, error) {
	h := &h5{r: r, size: size, base: base, lim: lim}
	b, err := h.read(base, min(size-base, 256), 256)
	if err != nil || len(b) < 16 {
		return nil, 0, errAt(base, "superblock truncated")
	}
	ver := b[8]
	var pos int
	switch ver {
	case 0, 1:
		h.so, h.sl = int(b[13]), int(b[14])
		pos = 24
		if ver == 1 {
			pos = 28
		}
	case 2, 3:
		h.so, h.sl = int(b[9]), int(b[10])
		pos = 12
	default:
		return nil, 0, errAt(base+8, "unknown superblock version %d", ver)
	}
	if !validSize(h.so) || !validSize(h.sl) {
		return nil, 0, errAt(base+13, "invalid sizes of offsets (%d) and lengths (%d)", h.so, h.sl)
	}
	// Base, free-space or extension, end of file, then the driver block
	// and root symbol table entry (v0/v1) or the root header (v2/v3).
	need := pos + 4*h.so
	if ver < 2 {
		need += 2 * h.so
	}
	if need > len(b) {
		return nil, 0, errAt(base, "superblock truncated (%d bytes, want %d)", len(b), need)
	}
	eof := le(b[pos+2*h.so:], h.so)
	rootField := pos + 3*h.so
	if ver < 2 {
		rootField = pos + 5*h.so
	}
	root, ok := h.addr(le(b[rootField:], h.so))
	if !ok {
		return nil, 0, errAt(base+int64(rootField), "root group address %#x lies outside the file", le(b[rootField:], h.so))
	}
	if eof > uint64(size) && eof != 1<<(8*h.so)-1 { //nolint:gosec // size >= 0
		return h, root, errAt(size, "file is truncated: the superblock says %d bytes, the file has %d", eof, size)
	}
	return h, root, nil
}

func validSize(n int) bool { return n == 2 || n == 4 || n == 8 }

// message is one object header message.
type message struct {
	typ   uint16
	flags byte
	data  []byte
	off   int64 // absolute offset of data
}

// chunk is a block of messages still to read.
type chunk struct {
	off, n int64
	v2     bool
}

// messages reads the messages of the object header at off, following
// continuation blocks (each read once, at most MaxChunks of them).
func (h *h5) messages(off int64) ([]message, error) {
	first, flags, err := h.prefix(off)
	if err != nil {
		return nil, err
	}
	queue := []chunk{first}
	seen := map[int64]bool{}
	var out []message
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[c.off] {
			return out, errAt(c.off, "object header continuation loops back to offset %d", c.off)
		}
		seen[c.off] = true
		if len(seen) > h.lim.MaxChunks {
			return out, errAt(c.off, "object header has more than %d blocks", h.lim.MaxChunks)
		}
		b, err := h.read(c.off, c.n, maxChunk)
		if err != nil {
			return out, errAt(c.off, "object header block of %d bytes: %v", c.n, err)
		}
		msgs, err := h.parseChunk(b, c, flags)
		for _, m := range msgs {
			if len(out) >= h.lim.MaxMessages {
				return out, errAt(m.off, "object header has more than %d messages", h.lim.MaxMessages)
			}
			if m.typ == msgContinuation {
				next, cerr := h.continuation(m, c.v2)
				if cerr != nil {
					return out, cerr
				}
				queue = append(queue, next)
			}
			out = append(out, m)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// prefix parses the object header prefix at off and returns its first
// block of messages and (v2) the header flags.
func (h *h5) prefix(off int64) (chunk, byte, error) {
	b, err := h.read(off, min(h.size-off, 48), 48)
	if err != nil || len(b) < 16 {
		return chunk{}, 0, errAt(off, "object header truncated")
	}
	if b[0] == 1 {
		n := int64(binary.LittleEndian.Uint32(b[8:]))
		return chunk{off: off + 16, n: n}, 0, nil
	}
	if !bytes.Equal(b[:4], []byte("OHDR")) {
		return chunk{}, 0, errAt(off, "no object header (version byte %d, no OHDR signature)", b[0])
	}
	if b[4] != 2 {
		return chunk{}, 0, errAt(off+4, "unknown object header version %d", b[4])
	}
	flags := b[5]
	pos := 6
	if flags&0x20 != 0 {
		pos += 16
	}
	if flags&0x10 != 0 {
		pos += 4
	}
	width := 1 << (flags & 3)
	if pos+width > len(b) {
		return chunk{}, 0, errAt(off, "object header truncated")
	}
	n := int64(le(b[pos:], width)) //nolint:gosec // checked by read
	return chunk{off: off + int64(pos+width), n: n, v2: true}, flags, nil
}

// parseChunk splits one block into messages. Version 2 blocks end with a
// 4-byte checksum; continuation blocks start with "OCHK".
func (h *h5) parseChunk(b []byte, c chunk, flags byte) ([]message, error) {
	var out []message
	if !c.v2 {
		for pos := 0; pos+8 <= len(b); {
			typ := binary.LittleEndian.Uint16(b[pos:])
			n := int(binary.LittleEndian.Uint16(b[pos+2:]))
			if pos+8+n > len(b) {
				return out, errAt(c.off+int64(pos), "header message of %d bytes overruns its block", n)
			}
			out = append(out, message{typ: typ, flags: b[pos+4], data: b[pos+8 : pos+8+n], off: c.off + int64(pos+8)})
			pos += 8 + n
		}
		return out, nil
	}
	hdr := 4
	if flags&0x04 != 0 {
		hdr = 6
	}
	for pos := 0; pos+hdr <= len(b); {
		typ := uint16(b[pos])
		n := int(binary.LittleEndian.Uint16(b[pos+1:]))
		if pos+hdr+n > len(b) {
			return out, errAt(c.off+int64(pos), "header message of %d bytes overruns its block", n)
		}
		out = append(out, message{typ: typ, flags: b[pos+3], data: b[pos+hdr : pos+hdr+n], off: c.off + int64(pos+hdr)})
		pos += hdr + n
	}
	return out, nil
}

// continuation returns the block a continuation message points to.
func (h *h5) continuation(m message, v2 bool) (chunk, error) {
	if len(m.data) < h.so+h.sl {
		return chunk{}, errAt(m.off, "continuation message of %d bytes", len(m.data))
	}
	off, ok := h.addr(le(m.data, h.so))
	n := le(m.data[h.so:], h.sl)
	if !ok || n > uint64(h.size-off) { //nolint:gosec // off <= size
		return chunk{}, errAt(m.off, "continuation block of %d bytes at %#x lies outside the file", n, le(m.data, h.so))
	}
	c := chunk{off: off, n: int64(n), v2: v2} //nolint:gosec // checked above
	if v2 {
		sig, err := h.read(off, 4, 4)
		if err != nil || !bytes.Equal(sig, []byte("OCHK")) || c.n < 8 {
			return chunk{}, errAt(off, "continuation block without OCHK signature")
		}
		c.off, c.n = off+4, c.n-8
	}
	return c, nil
}
