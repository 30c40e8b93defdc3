package zip

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz/lzma"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// Errors returned when reading entries.
var (
	// ErrChecksum is returned at the end of an entry whose CRC-32 does not
	// match the central directory.
	ErrChecksum = errors.New("zip: checksum error")
	// ErrUnsupportedMethod is returned by Entry.Open for a compression
	// method it cannot read.
	ErrUnsupportedMethod = errors.New("zip: unsupported compression method")
	// ErrNoData is returned for an entry whose data could not be located.
	ErrNoData = errors.New("zip: entry data not located")
)

// ReaderAt returns the raw bytes of a stored entry without reading them:
// cheap to sniff, whatever its size. It fails for compressed entries.
func (e *Entry) ReaderAt() (*io.SectionReader, error) {
	if e.Method != Store {
		return nil, fmt.Errorf("%w: entry %q is not stored (method %d)", ErrUnsupportedMethod, e.Name, e.Method)
	}
	n, err := e.dataLen()
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(e.a.r, e.DataOffset, n), nil
}

// dataLen is the compressed length of e after checking it is in the file.
func (e *Entry) dataLen() (int64, error) {
	if e.a == nil || e.DataOffset < 0 {
		return 0, fmt.Errorf("%w: %q", ErrNoData, e.Name)
	}
	if e.CompressedSize > math.MaxInt64 || int64(e.CompressedSize) > e.a.size-e.DataOffset {
		return 0, fmt.Errorf("%w: %q: %d bytes at offset %d run past the end of the file", ErrNoData, e.Name, e.CompressedSize, e.DataOffset)
	}
	return int64(e.CompressedSize), nil
}

// EntryReader reads the uncompressed bytes of an entry within the archive's
// limits and checks them at the end.
type EntryReader struct {
	e        *Entry
	cnt      *safeio.Counter
	guard    *safeio.Guard
	closer   io.Closer
	crc      hash.Hash32
	done     bool
	findings []scanners.Finding
}

// Open returns a reader of the entry's uncompressed bytes (stored, deflate,
// bzip2, LZMA and zstd; Python's zipfile reads the same methods). Reads fail
// with safeio.ErrTooLarge or safeio.ErrBomb past the limits; at EOF the
// CRC-32 is checked and a mismatch returns ErrChecksum. Findings lists what
// reading revealed.
func (e *Entry) Open() (*EntryReader, error) {
	n, err := e.dataLen()
	if err != nil {
		return nil, err
	}
	lim := e.a.lim
	cnt := &safeio.Counter{R: bufio.NewReaderSize(io.NewSectionReader(e.a.r, e.DataOffset, n), 32<<10)}
	er := &EntryReader{e: e, cnt: cnt, crc: crc32.NewIEEE()}
	var dec io.Reader
	switch e.Method {
	case Store:
		dec = cnt
	case Deflate:
		fr := flate.NewReader(cnt)
		dec, er.closer = fr, fr
	case Bzip2:
		dec = bzip2.NewReader(cnt)
	case LZMA:
		dec, err = newLZMA(cnt, e, lim.MaxDict)
	case Zstd:
		var zr *zstd.Decoder
		zr, err = zstd.NewReader(cnt, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(uint64(lim.MaxDict)), zstd.WithDecoderMaxMemory(uint64(lim.MaxEntrySize))) //nolint:gosec // limits are positive
		if err == nil {
			dec, er.closer = zr, zr.IOReadCloser()
		}
	default:
		return nil, fmt.Errorf("%w: entry %q uses method %d", ErrUnsupportedMethod, e.Name, e.Method)
	}
	if err != nil {
		return nil, fmt.Errorf("entry %q: %w", e.Name, err)
	}
	er.guard = safeio.NewGuard(dec, func() int64 { return cnt.N }, safeio.BombLimits{
		MaxSize: lim.MaxEntrySize, MaxRatio: lim.MaxRatio, RatioFloor: lim.RatioFloor,
	})
	return er, nil
}

// newLZMA reads the zip LZMA format: a 4-byte SDK version and properties
// size, the 5 property bytes, then a raw LZMA stream. The dictionary is
// capped at maxDict bytes.
func newLZMA(r io.Reader, e *Entry, maxDict int64) (io.Reader, error) {
	var pre [9]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("lzma properties: %w", err)
	}
	if binary.LittleEndian.Uint16(pre[2:]) != 5 {
		return nil, fmt.Errorf("lzma properties of %d bytes, want 5", binary.LittleEndian.Uint16(pre[2:]))
	}
	var hdr [lzma.HeaderLen]byte
	copy(hdr[:], pre[4:9])
	// The dictionary never needs to exceed the output: cap it by the
	// declared size too (more output than declared fails to decode).
	declared := int64(binary.LittleEndian.Uint32(hdr[1:]))
	used := safeio.DictCap(declared, int64(min(e.UncompressedSize, 1<<62)), min(maxDict, safeio.MaxDict), lzma.MinDictCap)
	binary.LittleEndian.PutUint32(hdr[1:], uint32(used)) //nolint:gosec // used <= MaxDict
	size := uint64(math.MaxUint64)
	if e.Flags&2 == 0 && e.UncompressedSize < 1<<50 {
		size = e.UncompressedSize
	}
	binary.LittleEndian.PutUint64(hdr[5:], size)
	lr, err := lzma.ReaderConfig{DictCap: int(used)}.NewReader(io.MultiReader(bytes.NewReader(hdr[:]), r))
	if err != nil {
		return nil, err
	}
	return safeio.DictReader(lr, declared, used), nil
}

// Read reads uncompressed bytes.
func (r *EntryReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	n, err := r.guard.Read(p)
	r.crc.Write(p[:n])
	a := r.e.a
	if total := a.total.Add(int64(n)); total > a.lim.MaxTotalSize && err == nil {
		err = fmt.Errorf("%w: archive members passed %d uncompressed bytes", safeio.ErrTooLarge, a.lim.MaxTotalSize)
	}
	if errors.Is(err, io.EOF) {
		r.done = true
		return n, r.finish()
	}
	return n, err
}

// finish checks sizes and CRC once the stream has ended.
func (r *EntryReader) finish() error {
	e := r.e
	at := e.DataOffset
	if out := r.guard.Out; uint64(out) != e.UncompressedSize { //nolint:gosec // Out >= 0
		r.findings = append(r.findings, problem(RuleSizeMismatch, scanners.Medium, at, fmt.Sprintf(
			"entry %q decompresses to %d bytes, not the declared %d", e.Name, out, e.UncompressedSize)))
	}
	if e.Method == Deflate || e.Method == Bzip2 {
		if left := int64(e.CompressedSize) - r.cnt.N; left > 0 { //nolint:gosec // checked by dataLen
			r.findings = append(r.findings, problem(RuleSizeMismatch, scanners.Medium, at+r.cnt.N, fmt.Sprintf(
				"entry %q: the compressed stream ends %d bytes before its declared size; the rest is hidden from streaming readers",
				e.Name, left)))
		}
	}
	if sum := r.crc.Sum32(); sum != e.CRC32 {
		r.findings = append(r.findings, problem(RuleBadCRC, scanners.High, at, fmt.Sprintf(
			"entry %q has CRC-32 %#08x, not the recorded %#08x (CVE-2025-10156: zipfile-based scanners stop, PyTorch loads it)",
			e.Name, sum, e.CRC32)))
		return ErrChecksum
	}
	return io.EOF
}

// Findings lists what reading revealed: size mismatches, early end of the
// compressed stream, a bad CRC. Member is unset.
func (r *EntryReader) Findings() []scanners.Finding { return r.findings }

// Out is the number of uncompressed bytes read so far.
func (r *EntryReader) Out() int64 { return r.guard.Out }

// Consumed is the number of compressed bytes consumed so far.
func (r *EntryReader) Consumed() int64 { return r.cnt.N }

// Close releases the decompressor.
func (r *EntryReader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}
