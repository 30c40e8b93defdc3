// Package compress recognises single-stream compressed files (gzip, bzip2,
// xz, legacy .lzma, zlib, lz4 and joblib's old "ZF" files) by content,
// decompresses them within size and ratio limits into a spool, and scans
// what came out with the full scanner set. joblib compresses whole pickles
// this way.
package compress

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// Format is a compressed container format.
type Format int

// The formats this package reads.
const (
	Gzip Format = iota + 1
	Bzip2
	XZ
	LZMA // legacy LZMA "alone" (.lzma, Python's lzma.FORMAT_ALONE)
	Zlib
	LZ4
	ZFile // joblib < 0.10 "ZF" + hex length + zlib stream
)

var formatNames = map[Format]string{
	Gzip: "gzip", Bzip2: "bzip2", XZ: "xz", LZMA: "lzma", Zlib: "zlib", LZ4: "lz4", ZFile: "joblib-zfile",
}

// Formats lists every format, strongest magic first.
var Formats = []Format{Gzip, Bzip2, XZ, LZ4, ZFile, Zlib, LZMA}

// String is the format's name as used in reports.
func (f Format) String() string {
	if n, ok := formatNames[f]; ok {
		return n
	}
	return "unknown"
}

var (
	magicXZ        = []byte{0xFD, '7', 'z', 'X', 'Z', 0x00}
	magicLZ4       = []byte{0x04, 0x22, 0x4D, 0x18}
	magicLZ4Legacy = []byte{0x02, 0x21, 0x4C, 0x18}
	magicBzip2     = []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}
	magicBzip2End  = []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90}
)

// Detect returns the format whose magic head starts with. The weak magics
// (zlib's two bytes, the legacy LZMA header) count only when the first
// bytes of head actually decompress.
func Detect(head []byte) (Format, bool) {
	for _, f := range Formats {
		if Is(f, head) {
			return f, true
		}
	}
	return 0, false
}

// Is reports whether head starts like a stream of format f.
func Is(f Format, head []byte) bool {
	switch f {
	case Gzip:
		// ID1 ID2, CM = deflate, reserved flag bits clear.
		return len(head) >= 10 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8 && head[3]&0xE0 == 0
	case Bzip2:
		return len(head) >= 10 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9' &&
			(bytes.Equal(head[4:10], magicBzip2) || bytes.Equal(head[4:10], magicBzip2End))
	case XZ:
		return bytes.HasPrefix(head, magicXZ)
	case LZ4:
		return bytes.HasPrefix(head, magicLZ4) || bytes.HasPrefix(head, magicLZ4Legacy)
	case ZFile:
		_, ok := zfileStart(head)
		return ok
	case Zlib:
		return zlibHeader(head) && inflates(head[2:])
	case LZMA:
		return lzmaHeader(head) && lzmaDecodes(head)
	}
	return false
}

// zlibHeader checks CMF/FLG: deflate, window <= 32 KiB, FCHECK, no preset
// dictionary.
func zlibHeader(b []byte) bool {
	return len(b) >= 3 && b[0]&0x0F == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0 && b[1]&0x20 == 0
}

// trialLen is how many decompressed bytes the weak magics must produce.
const trialLen = 256

// inflates reports whether raw deflate data in b decodes without error for
// trialLen bytes or to its end.
func inflates(b []byte) bool {
	fr := flate.NewReader(bytes.NewReader(b))
	defer fr.Close()
	return trialOK(fr)
}

func trialOK(r io.Reader) bool {
	buf := make([]byte, trialLen)
	n, err := io.ReadFull(r, buf)
	switch {
	case n == trialLen:
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// Ended (cleanly, or because head ran out) before trialLen bytes:
		// believe it only if something came out.
		return n > 0
	}
	return false
}

// lzmaHeader checks the 13-byte legacy LZMA header as liblzma writes it:
// properties lc+lp*9+pb*45 < 225, a dictionary size of 2^n or 2^n+2^(n-1)
// (liblzma rounds up to these) or all ones, an unknown (all ones) or sane
// size, and a first range-coder byte of zero.
func lzmaHeader(b []byte) bool {
	if len(b) < lzma.HeaderLen+1 || b[0] >= 225 || b[lzma.HeaderLen] != 0 {
		return false
	}
	size := binary.LittleEndian.Uint64(b[5:])
	if size != ^uint64(0) && size > 1<<48 {
		return false
	}
	d := binary.LittleEndian.Uint32(b[1:])
	if d == ^uint32(0) {
		return true
	}
	for n := uint(12); n < 32; n++ {
		if d == 1<<n || d == 1<<n|1<<(n-1) {
			return true
		}
	}
	return false
}

// lzmaDecodes reports whether the legacy LZMA stream in b decodes for
// trialLen bytes, with a small dictionary.
func lzmaDecodes(b []byte) bool {
	hdr := append([]byte(nil), b[:lzma.HeaderLen]...)
	if binary.LittleEndian.Uint32(hdr[1:]) > 1<<20 {
		binary.LittleEndian.PutUint32(hdr[1:], 1<<20)
	}
	r, err := lzma.ReaderConfig{DictCap: 1 << 20}.NewReader(io.MultiReader(bytes.NewReader(hdr), bytes.NewReader(b[lzma.HeaderLen:])))
	if err != nil {
		return false
	}
	return trialOK(&cutLZMA{r: r})
}

// zfileStart returns where the zlib stream of a joblib "ZF" file starts:
// "ZF", then hex(len) as ASCII ("0x..", "L" on Python 2) padded with spaces
// to 19 (Python 3) or 20 (Python 2) bytes.
func zfileStart(b []byte) (int, bool) {
	if len(b) < 24 || !bytes.HasPrefix(b, []byte("ZF0x")) {
		return 0, false
	}
	for _, start := range []int{21, 22} {
		ok := true
		for _, c := range b[4:start] {
			hex := c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
			if !hex && c != ' ' && c != 'L' {
				ok = false
				break
			}
		}
		if ok && zlibHeader(b[start:]) {
			return start, true
		}
	}
	return 0, false
}
