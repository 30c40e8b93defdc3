package zip

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// localHeader is what a local file header records.
type localHeader struct {
	flags, method        uint16
	crc                  uint32
	csize, usize         uint64
	name                 string
	dataOffset           int64
	zip64                bool
	sizesZero, crcZeroed bool
}

// readLocal reads the local header of e and compares it with the central
// directory record.
func (a *Archive) readLocal(e *Entry) {
	off := e.LocalHeaderOffset
	h, err := a.parseLocal(off)
	if err != nil {
		err.Msg = fmt.Sprintf("entry %q: %s", e.Name, err.Msg)
		a.Errors = append(a.Errors, err)
		return
	}
	e.LocalName, e.LocalMethod, e.LocalFlags, e.DataOffset = h.name, h.method, h.flags, h.dataOffset
	e.compareLocal(h)
	if e.CompressedSize > math.MaxInt64 || int64(e.CompressedSize) > a.size-e.DataOffset {
		e.Problems = append(e.Problems, problem(RuleDataOutside, scanners.Medium, e.DataOffset, fmt.Sprintf(
			"entry %q declares %d compressed bytes at offset %d but the file ends at %d", e.Name, e.CompressedSize, e.DataOffset, a.size)))
		a.Errors = append(a.Errors, formatErr(e.DataOffset, "entry %q: data runs past the end of the file", e.Name))
		e.end = a.size
		return
	}
	e.end = e.DataOffset + int64(e.CompressedSize)
	if (e.Flags|e.LocalFlags)&FlagDataDescriptor != 0 {
		e.end += e.checkDescriptor(h.zip64)
	}
}

// parseLocal reads the local file header at off.
func (a *Archive) parseLocal(off int64) (*localHeader, *scanners.FormatError) {
	b, err := safeio.ReadAt(a.r, a.size, off, localLen, localLen)
	if err != nil {
		return nil, formatErr(off, "local header lies outside the file")
	}
	if sig := binary.LittleEndian.Uint32(b); sig != sigLocal {
		return nil, formatErr(off, "bad local header signature %#08x", sig)
	}
	h := &localHeader{
		flags:  binary.LittleEndian.Uint16(b[6:]),
		method: binary.LittleEndian.Uint16(b[8:]),
		crc:    binary.LittleEndian.Uint32(b[14:]),
		csize:  uint64(binary.LittleEndian.Uint32(b[18:])),
		usize:  uint64(binary.LittleEndian.Uint32(b[22:])),
	}
	nameLen := int64(binary.LittleEndian.Uint16(b[26:]))
	extraLen := int64(binary.LittleEndian.Uint16(b[28:]))
	rest, err := safeio.ReadAt(a.r, a.size, off+localLen, nameLen+extraLen, 2*math.MaxUint16)
	if err != nil {
		return nil, formatErr(off, "local header name and extra field run past the end of the file")
	}
	h.name = string(rest[:nameLen])
	h.dataOffset = off + localLen + nameLen + extraLen
	h.sizesZero, h.crcZeroed = h.csize == 0 && h.usize == 0, h.crc == 0
	tmp := Entry{CompressedSize: h.csize, UncompressedSize: h.usize}
	var unused uint64
	_ = tmp.readZip64Extra(rest[nameLen:], &unused, false, off)
	h.zip64 = tmp.CompressedSize != h.csize || tmp.UncompressedSize != h.usize
	h.csize, h.usize = tmp.CompressedSize, tmp.UncompressedSize
	return h, nil
}

// compareLocal reports where the local header disagrees with the central
// directory.
func (e *Entry) compareLocal(h *localHeader) {
	off := e.LocalHeaderOffset
	mismatch := func(what string, local, central any, note string) {
		e.Problems = append(e.Problems, problem(RuleHeaderMismatch, scanners.High, off, fmt.Sprintf(
			"entry %q: local header %s %v differs from central directory %v%s", e.Name, what, local, central, note)))
	}
	if h.name != e.Name {
		mismatch("name", fmt.Sprintf("%q", h.name), fmt.Sprintf("%q", e.Name),
			" (CVE-2025-1944: loaders using the central directory and scanners using local headers see different members)")
	}
	if h.method != e.Method {
		mismatch("method", h.method, e.Method, "")
	}
	if (h.flags^e.Flags)&significantFlags != 0 {
		mismatch("flags", fmt.Sprintf("%#04x", h.flags), fmt.Sprintf("%#04x", e.Flags),
			" (CVE-2025-1945: readers disagree on encryption or data descriptors)")
	}
	descriptor := (h.flags|e.Flags)&FlagDataDescriptor != 0
	if !descriptor || !h.crcZeroed {
		if h.crc != e.CRC32 {
			mismatch("CRC-32", fmt.Sprintf("%#08x", h.crc), fmt.Sprintf("%#08x", e.CRC32), "")
		}
	}
	if !descriptor || !h.sizesZero {
		if h.csize != e.CompressedSize {
			mismatch("compressed size", h.csize, e.CompressedSize, "")
		}
		if h.usize != e.UncompressedSize {
			mismatch("uncompressed size", h.usize, e.UncompressedSize, "")
		}
	}
}

// checkDescriptor reads the data descriptor after the data of e, compares
// it with the central directory and returns its length.
func (e *Entry) checkDescriptor(zip64 bool) int64 {
	a := e.a
	at := e.DataOffset + int64(e.CompressedSize) //nolint:gosec // bounded by the caller
	n := min(24, a.size-at)
	b, err := safeio.ReadAt(a.r, a.size, at, n, 24)
	if err != nil {
		n = 0
	}
	b = b[:n]
	sigLen := 0
	if len(b) >= 4 && binary.LittleEndian.Uint32(b) == sigDescriptor {
		sigLen = 4
	}
	wide := zip64 || e.CompressedSize >= math.MaxUint32 || e.UncompressedSize >= math.MaxUint32
	fields := 12
	if wide {
		fields = 20
	}
	if len(b) < sigLen+fields {
		e.Problems = append(e.Problems, problem(RuleHeaderMismatch, scanners.Medium, at, fmt.Sprintf(
			"entry %q is flagged with a data descriptor but none follows its data", e.Name)))
		return int64(len(b))
	}
	d := b[sigLen:]
	crc := binary.LittleEndian.Uint32(d)
	var csize, usize uint64
	if wide {
		csize, usize = binary.LittleEndian.Uint64(d[4:]), binary.LittleEndian.Uint64(d[12:])
	} else {
		csize, usize = uint64(binary.LittleEndian.Uint32(d[4:])), uint64(binary.LittleEndian.Uint32(d[8:]))
	}
	if crc != e.CRC32 || csize != e.CompressedSize || usize != e.UncompressedSize {
		e.Problems = append(e.Problems, problem(RuleHeaderMismatch, scanners.Medium, at, fmt.Sprintf(
			"entry %q: data descriptor (CRC %#08x, %d/%d bytes) differs from central directory (CRC %#08x, %d/%d bytes): streaming readers see other sizes",
			e.Name, crc, csize, usize, e.CRC32, e.CompressedSize, e.UncompressedSize)))
		if sigLen == 0 {
			return 0
		}
	}
	return int64(sigLen + fields)
}
