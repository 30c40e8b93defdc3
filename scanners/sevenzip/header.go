package sevenzip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// Property IDs of the 7z header (7zFormat.txt).
const (
	idEnd              = 0x00
	idHeader           = 0x01
	idMainStreamsInfo  = 0x04
	idFilesInfo        = 0x05
	idPackInfo         = 0x06
	idUnpackInfo       = 0x07
	idSubStreamsInfo   = 0x08
	idSize             = 0x09
	idCRC              = 0x0A
	idFolder           = 0x0B
	idCodersUnpackSize = 0x0C
	idNumUnpackStream  = 0x0D
	idEmptyStream      = 0x0E
	idEmptyFile        = 0x0F
	idName             = 0x11
	idCTime            = 0x12
	idATime            = 0x13
	idMTime            = 0x14
	idWinAttributes    = 0x15
	idEncodedHeader    = 0x17
	idDummy            = 0x19

	signatureLen = 32
	maxCoders    = 64 // per folder, and streams per coder
)

var magic = []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}

// errHeader marks a header the scanner refuses to hand to the library.
var errHeader = errors.New("7z header")

// errEncryptedHeader is returned for headers encrypted with AES.
var errEncryptedHeader = errors.New("7z header is encrypted")

// coder is one coder of a folder as the header records it.
type coder struct {
	id    string
	in    uint64
	out   uint64
	props []byte
}

// folder is what the walker keeps of a folder: enough to decode an encoded
// header.
type folder struct {
	coders []coder
	outs   uint64
	sizes  []uint64
}

// walker checks a 7z header the way github.com/bodgit/sevenzip will parse
// it, so that every count the library turns into an allocation has been
// bounded by maxEntries and every length by the bytes that remain.
type walker struct {
	b          []byte
	pos        int
	maxEntries uint64

	packPos   uint64
	packSizes []uint64
	folders   []folder
	files     uint64
}

func (w *walker) fail(msg string, args ...any) error {
	return fmt.Errorf("%w: %s at header byte %d", errHeader, fmt.Sprintf(msg, args...), w.pos)
}

func (w *walker) byte() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, w.fail("truncated header")
	}
	w.pos++
	return w.b[w.pos-1], nil
}

func (w *walker) expect(id byte) error {
	b, err := w.byte()
	if err == nil && b != id {
		err = w.fail("property %#x where %#x was expected", b, id)
	}
	return err
}

// left is the number of bytes not read yet.
func (w *walker) left() uint64 { return uint64(len(w.b) - w.pos) } //nolint:gosec // pos <= len(b)

// skip consumes n bytes.
func (w *walker) skip(n uint64) error {
	if n > w.left() {
		return w.fail("%d bytes wanted, %d left", n, len(w.b)-w.pos)
	}
	w.pos += int(n) //nolint:gosec // n <= len(b)
	return nil
}

// num reads a 7z variable-length number exactly as the library does.
func (w *walker) num() (uint64, error) {
	b, err := w.byte()
	if err != nil {
		return 0, err
	}
	l := bits.LeadingZeros8(^b)
	var v uint64
	if l < 7 {
		v |= uint64(b&((1<<(8-l))-1)) << (8 * l)
	}
	for i := range l {
		c, err := w.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c) << (8 * i)
	}
	return v, nil
}

// count reads a number used as an allocation size and bounds it.
func (w *walker) count(nonZero bool, limit uint64) (uint64, error) {
	v, err := w.num()
	switch {
	case err != nil:
		return 0, err
	case nonZero && v == 0:
		return 0, w.fail("zero count")
	case v > limit:
		return 0, w.fail("count %d exceeds the limit of %d", v, limit)
	}
	return v, nil
}

// bitVector consumes n bits and returns how many are set.
func (w *walker) bitVector(n uint64) (uint64, error) {
	nbytes := (n + 7) / 8
	start := w.pos
	if err := w.skip(nbytes); err != nil {
		return 0, err
	}
	var set uint64
	for i := range n {
		if w.b[start+int(i/8)]&(0x80>>(i%8)) != 0 {
			set++
		}
	}
	return set, nil
}

// optionalBits reads an "all defined" byte and, if zero, a bit vector.
func (w *walker) optionalBits(n uint64) (uint64, error) {
	all, err := w.byte()
	if err != nil || all != 0 {
		return n, err
	}
	return w.bitVector(n)
}

// crcs consumes the digests of n streams.
func (w *walker) crcs(n uint64) error {
	if n == 0 {
		return w.fail("digests of zero streams")
	}
	defined, err := w.optionalBits(n)
	if err != nil {
		return err
	}
	return w.skip(4 * defined)
}

// streamsInfo walks pack, unpack and substreams information.
func (w *walker) streamsInfo() error {
	id, err := w.byte()
	if err == nil && id == idPackInfo {
		if err = w.packInfo(); err == nil {
			id, err = w.byte()
		}
	}
	if err == nil && id == idUnpackInfo {
		if err = w.unpackInfo(); err == nil {
			id, err = w.byte()
		}
	}
	if err == nil && id == idSubStreamsInfo {
		if w.folders == nil {
			return w.fail("substreams without folders")
		}
		if err = w.subStreamsInfo(); err == nil {
			id, err = w.byte()
		}
	}
	if err == nil && id != idEnd {
		err = w.fail("property %#x in streams info", id)
	}
	return err
}

func (w *walker) packInfo() error {
	var err error
	if w.packPos, err = w.num(); err != nil {
		return err
	}
	streams, err := w.count(true, w.maxEntries)
	if err != nil {
		return err
	}
	id, err := w.byte()
	if err == nil && id == idSize {
		w.packSizes = make([]uint64, 0, min(streams, w.left()))
		for range streams {
			v, err := w.num()
			if err != nil {
				return err
			}
			w.packSizes = append(w.packSizes, v)
		}
		id, err = w.byte()
	}
	if err == nil && id == idCRC {
		if err = w.crcs(streams); err == nil {
			id, err = w.byte()
		}
	}
	if err == nil && id != idEnd {
		err = w.fail("property %#x in pack info", id)
	}
	return err
}

func (w *walker) unpackInfo() error {
	if err := w.expect(idFolder); err != nil {
		return err
	}
	n, err := w.count(true, w.maxEntries)
	if err != nil {
		return err
	}
	if err := w.expect(0); err != nil { // "external" is not supported by the library either
		return err
	}
	w.folders = make([]folder, 0, min(n, w.left()))
	for range n {
		f, err := w.folder()
		if err != nil {
			return err
		}
		w.folders = append(w.folders, f)
	}
	if err := w.expect(idCodersUnpackSize); err != nil {
		return err
	}
	for i := range w.folders {
		f := &w.folders[i]
		for range f.outs {
			v, err := w.num()
			if err != nil {
				return err
			}
			f.sizes = append(f.sizes, v)
		}
	}
	id, err := w.byte()
	if err == nil && id == idCRC {
		if err = w.crcs(n); err == nil {
			id, err = w.byte()
		}
	}
	if err == nil && id != idEnd {
		err = w.fail("property %#x in unpack info", id)
	}
	return err
}

// folder walks one folder's coders and bindings.
func (w *walker) folder() (folder, error) {
	var f folder
	n, err := w.count(true, maxCoders)
	if err != nil {
		return f, err
	}
	var ins uint64
	for range n {
		c, err := w.coder()
		if err != nil {
			return f, err
		}
		f.coders = append(f.coders, c)
		ins, f.outs = ins+c.in, f.outs+c.out
	}
	if ins < f.outs || ins > maxCoders || f.outs > maxCoders {
		return f, w.fail("folder with %d inputs and %d outputs", ins, f.outs)
	}
	bindPairs := f.outs - 1
	for range 2 * bindPairs {
		if _, err := w.count(false, math.MaxUint32); err != nil {
			return f, err
		}
	}
	if packed := ins - bindPairs; packed != 1 {
		for range packed {
			if _, err := w.num(); err != nil {
				return f, err
			}
		}
	}
	return f, nil
}

func (w *walker) coder() (coder, error) {
	var c coder
	v, err := w.byte()
	if err != nil {
		return c, err
	}
	start := w.pos
	if err := w.skip(uint64(v & 0x0F)); err != nil {
		return c, err
	}
	c.id, c.in, c.out = string(w.b[start:w.pos]), 1, 1
	if v&0x10 != 0 {
		if c.in, err = w.count(true, maxCoders); err != nil {
			return c, err
		}
		if c.out, err = w.count(true, maxCoders); err != nil {
			return c, err
		}
	}
	if v&0x20 != 0 {
		size, err := w.count(true, w.left())
		if err != nil {
			return c, err
		}
		c.props = w.b[w.pos : w.pos+int(size)] //nolint:gosec // size <= len(b)-pos
		w.pos += int(size)                     //nolint:gosec // as above
	}
	return c, nil
}

func (w *walker) subStreamsInfo() error {
	streams := make([]uint64, len(w.folders))
	for i := range streams {
		streams[i] = 1
	}
	id, err := w.byte()
	if err == nil && id == idNumUnpackStream {
		for i := range streams {
			if streams[i], err = w.count(false, w.maxEntries); err != nil {
				return err
			}
		}
		id, err = w.byte()
	}
	var files uint64
	for _, s := range streams {
		if files += s; files > w.maxEntries {
			return w.fail("more than %d streams", w.maxEntries)
		}
	}
	if err == nil && id == idSize {
		for _, s := range streams {
			for j := uint64(1); j < s; j++ {
				if _, err := w.num(); err != nil {
					return err
				}
			}
		}
		id, err = w.byte()
	}
	if err == nil && id == idCRC {
		if err = w.crcs(files); err == nil {
			id, err = w.byte()
		}
	}
	if err == nil && id != idEnd {
		err = w.fail("property %#x in substreams info", id)
	}
	return err
}

// readStart reads the 32-byte signature header and returns the offset and
// size of the next header after checking they lie in the file.
func readStart(r io.ReaderAt, size, maxHeader int64) (off, n int64, crc uint32, err error) {
	b, err := safeio.ReadAt(r, size, 0, signatureLen, signatureLen)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%w: file too small for the signature header", errHeader)
	}
	if crc32.ChecksumIEEE(b[12:32]) != binary.LittleEndian.Uint32(b[8:]) {
		return 0, 0, 0, fmt.Errorf("%w: start header CRC mismatch", errHeader)
	}
	o, s := binary.LittleEndian.Uint64(b[12:]), binary.LittleEndian.Uint64(b[20:])
	if o > uint64(size) || s > uint64(size) || signatureLen+o+s > uint64(size) { //nolint:gosec // size >= 32
		return 0, 0, 0, fmt.Errorf("%w: next header (%d bytes at %d) lies outside the %d-byte file", errHeader, s, signatureLen+o, size)
	}
	if s > uint64(maxHeader) || s == 0 { //nolint:gosec // maxHeader > 0
		return 0, 0, 0, fmt.Errorf("%w: next header of %d bytes (limit %d)", errHeader, s, maxHeader)
	}
	return signatureLen + int64(o), int64(s), binary.LittleEndian.Uint32(b[28:]), nil //nolint:gosec // checked above
}
