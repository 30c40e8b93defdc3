package compress

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"

	"github.com/ulikunitz/xz/lzma"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// errXZ marks structural errors in .xz streams.
var errXZ = errors.New("xz")

var crc64Table = crc64.MakeTable(crc64.ECMA)

// xzReader decodes .xz files (concatenated streams, stream padding) whose
// blocks use the LZMA2 filter alone, as Python's lzma module and xz-utils
// write by default. Unlike github.com/ulikunitz/xz it never allocates the
// dictionary a block header asks for beyond maxDict, and it keeps no
// per-record index in memory beyond the blocks it actually decoded. A
// block that declares a larger dictionary is decoded with maxDict and
// fails with safeio.ErrDictTooLarge only if it refers back further.
type xzReader struct {
	c       *safeio.Counter
	maxDict int64
	err     error

	streams  int
	inStream bool
	flags    [2]byte
	blocks   [][2]uint64 // unpadded size, uncompressed size of each block

	block      io.Reader
	hash       hash.Hash
	blockStart int64
	hdrLen     int64
	csize      int64 // -1 when unknown
	usize      int64
	out        int64
}

func newXZ(c *safeio.Counter, maxDict int64) *xzReader {
	return &xzReader{c: c, maxDict: maxDict}
}

func xzErr(off int64, msg string, args ...any) error {
	return fmt.Errorf("%w: %s at compressed offset %d", errXZ, fmt.Sprintf(msg, args...), off)
}

// Read decodes the next bytes.
func (x *xzReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for empty := 0; ; {
		if x.err != nil {
			return 0, x.err
		}
		if x.block == nil {
			x.err = x.next()
			continue
		}
		n, err := x.block.Read(p)
		if n == 0 && err == nil {
			if empty++; empty > 100 {
				return 0, io.ErrNoProgress
			}
		}
		x.hash.Write(p[:n])
		x.out += int64(n)
		switch {
		case errors.Is(err, io.EOF):
			x.block, x.err = nil, x.endBlock()
		case err != nil:
			x.err = fmt.Errorf("%w: block data: %w", errXZ, err)
		}
		if n > 0 {
			return n, nil
		}
	}
}

// next parses what follows: stream padding and header, a block header or
// the index and stream footer.
func (x *xzReader) next() error {
	if !x.inStream {
		return x.streamHeader()
	}
	b, err := x.c.ReadByte()
	if err != nil {
		return xzErr(x.c.N, "truncated stream: %v", err)
	}
	if b == 0 {
		return x.index()
	}
	return x.blockHeader(b)
}

// streamHeader reads stream padding and the next stream header, or reports
// io.EOF at the end of the file.
func (x *xzReader) streamHeader() error {
	var h [12]byte
	for {
		n, err := io.ReadFull(x.c, h[:4])
		if n == 0 && errors.Is(err, io.EOF) && x.streams > 0 {
			return io.EOF
		}
		if err != nil {
			return xzErr(x.c.N, "truncated stream header or padding")
		}
		if x.streams == 0 || !bytes.Equal(h[:4], []byte{0, 0, 0, 0}) {
			break
		}
	}
	if _, err := io.ReadFull(x.c, h[4:]); err != nil || !bytes.Equal(h[:6], magicXZ) {
		return xzErr(x.c.N-12, "bad stream header")
	}
	if crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) || h[6] != 0 || h[7]&0xF0 != 0 {
		return xzErr(x.c.N-6, "bad stream flags")
	}
	x.flags, x.inStream, x.blocks = [2]byte{h[6], h[7]}, true, x.blocks[:0]
	x.streams++
	return nil
}

// checkSize is the length of each check type's value.
func checkSize(t byte) int {
	return [16]int{0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64}[t&0x0F]
}

func (x *xzReader) newHash() hash.Hash {
	switch x.flags[1] {
	case 1:
		return crc32.NewIEEE()
	case 4:
		return crc64.New(crc64Table)
	case 10:
		return sha256.New()
	}
	return nil
}

// blockHeader parses a block header whose first byte is b and starts the
// LZMA2 decoder.
func (x *xzReader) blockHeader(b byte) error {
	start := x.c.N - 1
	h := make([]byte, (int(b)+1)*4)
	h[0] = b
	if _, err := io.ReadFull(x.c, h[1:]); err != nil {
		return xzErr(start, "truncated block header")
	}
	body := h[:len(h)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(h[len(h)-4:]) {
		return xzErr(start, "block header CRC mismatch")
	}
	flags := body[1]
	if flags&0x3C != 0 || flags&3 != 0 {
		return xzErr(start, "unsupported block flags %#02x (only a single LZMA2 filter is read)", flags)
	}
	r := bytes.NewReader(body[2:])
	x.csize, x.usize = -1, -1
	for _, f := range []struct {
		bit byte
		v   *int64
	}{{0x40, &x.csize}, {0x80, &x.usize}} {
		if flags&f.bit != 0 {
			v, err := uvarint(r)
			if err != nil || v > 1<<62 {
				return xzErr(start, "bad block size field")
			}
			*f.v = int64(v)
		}
	}
	id, err1 := uvarint(r)
	psize, err2 := uvarint(r)
	dict, err3 := r.ReadByte()
	if err1 != nil || err2 != nil || err3 != nil || id != 0x21 || psize != 1 || dict > 40 {
		return xzErr(start, "unsupported filter %#x (only LZMA2 is read)", id)
	}
	for r.Len() > 0 {
		if c, _ := r.ReadByte(); c != 0 {
			return xzErr(start, "non-zero block header padding")
		}
	}
	dictCap := int64(1)<<32 - 1
	if dict < 40 {
		dictCap = int64(2|dict&1) << (dict/2 + 11)
	}
	x.blockStart = x.c.N
	used := safeio.DictCap(dictCap, x.usize, x.maxDict, lzma.MinDictCap)
	block, err := lzma.Reader2Config{DictCap: int(used)}.NewReader2(x.c)
	if err != nil {
		return xzErr(x.c.N, "LZMA2: %v", err)
	}
	x.block = safeio.DictReader(block, dictCap, used)
	x.hash, x.hdrLen, x.out = x.newHash(), int64(len(h)), 0
	if x.hash == nil {
		x.hash = crc32.NewIEEE() // unchecked type: hash anyway, compare nothing
	}
	return nil
}

// endBlock checks sizes, skips block padding and verifies the check.
func (x *xzReader) endBlock() error {
	comp := x.c.N - x.blockStart
	if (x.csize >= 0 && comp != x.csize) || (x.usize >= 0 && x.out != x.usize) {
		return xzErr(x.c.N, "block sizes differ from its header")
	}
	if err := x.skipZeros(int((4 - (x.hdrLen+comp)%4) % 4)); err != nil {
		return err
	}
	sum := make([]byte, checkSize(x.flags[1]))
	if _, err := io.ReadFull(x.c, sum); err != nil {
		return xzErr(x.c.N, "truncated block check")
	}
	if want := x.hash.Sum(nil); x.flags[1] == 1 || x.flags[1] == 4 || x.flags[1] == 10 {
		if len(want) <= 8 { // CRC32 and CRC64 are stored little-endian
			for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
				want[i], want[j] = want[j], want[i]
			}
		}
		if !bytes.Equal(sum, want) {
			return xzErr(x.c.N-int64(len(sum)), "block check mismatch")
		}
	}
	x.blocks = append(x.blocks, [2]uint64{uint64(x.hdrLen + comp + int64(len(sum))), uint64(x.out)}) //nolint:gosec // non-negative
	return nil
}

func (x *xzReader) skipZeros(n int) error {
	for range n {
		if b, err := x.c.ReadByte(); err != nil || b != 0 {
			return xzErr(x.c.N, "bad padding")
		}
	}
	return nil
}

// hashByteReader feeds the bytes it reads to a hash.
type hashByteReader struct {
	r io.ByteReader
	h hash.Hash32
}

func (h *hashByteReader) ReadByte() (byte, error) {
	b, err := h.r.ReadByte()
	if err == nil {
		h.h.Write([]byte{b})
	}
	return b, err
}

// index reads the index (its indicator byte already read) and the stream
// footer, comparing the records with the blocks decoded.
func (x *xzReader) index() error {
	start := x.c.N - 1
	hr := &hashByteReader{r: x.c, h: crc32.NewIEEE()}
	hr.h.Write([]byte{0})
	count, err := uvarint(hr)
	if err != nil || count != uint64(len(x.blocks)) {
		return xzErr(start, "index lists %d records for %d blocks", count, len(x.blocks))
	}
	for _, blk := range x.blocks {
		unpadded, err1 := uvarint(hr)
		usize, err2 := uvarint(hr)
		if err1 != nil || err2 != nil || unpadded != blk[0] || usize != blk[1] {
			return xzErr(x.c.N, "index record differs from its block")
		}
	}
	for (x.c.N-start)%4 != 0 {
		if b, err := hr.ReadByte(); err != nil || b != 0 {
			return xzErr(x.c.N, "bad index padding")
		}
	}
	var tail [16]byte
	if _, err := io.ReadFull(x.c, tail[:]); err != nil {
		return xzErr(x.c.N, "truncated index or stream footer")
	}
	if binary.LittleEndian.Uint32(tail[:4]) != hr.h.Sum32() {
		return xzErr(x.c.N-16, "index CRC mismatch")
	}
	f := tail[4:]
	backward := int64(binary.LittleEndian.Uint32(f[4:])+1) * 4
	if crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f) || backward != x.c.N-12-start ||
		f[8] != x.flags[0] || f[9] != x.flags[1] || f[10] != 'Y' || f[11] != 'Z' {
		return xzErr(x.c.N-12, "bad stream footer")
	}
	x.inStream = false
	return nil
}

// uvarint reads an xz multibyte integer (at most 9 bytes, minimal).
func uvarint(r io.ByteReader) (uint64, error) {
	var v uint64
	for i := range 9 {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		if i > 0 && b == 0 {
			return 0, errors.New("non-minimal integer")
		}
		v |= uint64(b&0x7F) << (7 * i)
		if b&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("integer too long")
}
