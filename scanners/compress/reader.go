package compress

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz/lzma"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// Limits bounds decompression and spooling. Zero fields take the defaults.
type Limits struct {
	// MaxSize is the most decompressed bytes read from one stream.
	MaxSize int64
	// MaxRatio is the largest decompressed/compressed ratio tolerated once
	// the output passes RatioFloor bytes.
	MaxRatio int64
	// RatioFloor is the output size below which the ratio is not checked.
	RatioFloor int64
	// MaxDict caps the LZMA/LZMA2 dictionary allocated (see
	// safeio.MaxDict): a stream that declares more is decoded with MaxDict
	// and fails with safeio.ErrDictTooLarge if it refers back further.
	MaxDict int64
	// MaxMemory is how much output is kept in memory before spooling to a
	// temporary file.
	MaxMemory int64
	// TempDir holds spool files ("" is the system default).
	TempDir string
	// Work bounds the top-level file when a stream is its outermost
	// container (nested ones share the outer one's safeio.Work).
	Work safeio.WorkLimits
}

// DefaultLimits: 4 GiB of output, ratio 2000 beyond 256 MiB, 16 MiB LZMA
// dictionaries (safeio.MaxDict), 1 MiB in memory, depth 8, and safeio.DefaultWorkLimits per
// top-level file.
func DefaultLimits() Limits {
	return Limits{MaxSize: 4 << 30, MaxRatio: 2000, RatioFloor: 256 << 20, MaxDict: safeio.MaxDict,
		MaxMemory: safeio.DefaultSpoolLimits().MaxMemory, Work: safeio.DefaultWorkLimits()}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxSize <= 0 {
		l.MaxSize = d.MaxSize
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.RatioFloor <= 0 {
		l.RatioFloor = d.RatioFloor
	}
	if l.MaxDict < lzma.MinDictCap {
		l.MaxDict = d.MaxDict
	}
	l.MaxDict = min(l.MaxDict, math.MaxUint32)
	if l.MaxMemory <= 0 {
		l.MaxMemory = d.MaxMemory
	}
	return l
}

// Reader decompresses one stream within Limits. Reads fail with
// safeio.ErrTooLarge or safeio.ErrBomb past them.
type Reader struct {
	// Format is the stream's format.
	Format Format
	// Name is the original file name from a gzip header, if any.
	Name string

	cnt    *safeio.Counter
	guard  *safeio.Guard
	closer io.Closer
}

// NewReader returns a Reader of the decompressed bytes of r, a stream in
// format f.
func NewReader(f Format, r io.Reader, lim Limits) (*Reader, error) {
	lim = lim.withDefaults()
	cnt := &safeio.Counter{R: bufio.NewReaderSize(r, 64<<10)}
	zr := &Reader{Format: f, cnt: cnt}
	dec, err := zr.decoder(cnt, lim)
	if err != nil {
		return nil, fmt.Errorf("%s header: %w", f, err)
	}
	zr.guard = safeio.NewGuard(dec, func() int64 { return cnt.N }, safeio.BombLimits{
		MaxSize: lim.MaxSize, MaxRatio: lim.MaxRatio, RatioFloor: lim.RatioFloor,
	})
	return zr, nil
}

func (zr *Reader) decoder(cnt *safeio.Counter, lim Limits) (io.Reader, error) {
	switch zr.Format {
	case Gzip:
		gr, err := gzip.NewReader(cnt)
		if err != nil {
			return nil, err
		}
		zr.Name, zr.closer = gr.Name, gr
		return gr, nil
	case Bzip2:
		return bzip2.NewReader(cnt), nil
	case XZ:
		return newXZ(cnt, lim.MaxDict), nil
	case LZMA:
		return newLZMA(cnt, lim.MaxDict)
	case Zlib:
		return newZlib(cnt, zr)
	case ZFile:
		var hdr [25]byte // up to 22 header bytes and a 3-byte zlib start
		if _, err := io.ReadFull(cnt, hdr[:]); err != nil {
			return nil, err
		}
		start, ok := zfileStart(hdr[:])
		if !ok {
			return nil, errors.New("not a joblib ZF header")
		}
		return newZlib(io.MultiReader(bytes.NewReader(hdr[start:]), cnt), zr)
	case LZ4:
		return lz4.NewReader(cnt), nil
	}
	return nil, fmt.Errorf("unknown format %d", zr.Format)
}

func newZlib(r io.Reader, zr *Reader) (io.Reader, error) {
	z, err := zlib.NewReader(r)
	if err != nil {
		return nil, err
	}
	zr.closer = z
	return z, nil
}

// newLZMA reads a legacy LZMA stream, capping the dictionary at maxDict
// (and at the declared size, when there is one) instead of allocating what
// its header claims: a stream that refers back further fails with
// safeio.ErrDictTooLarge.
func newLZMA(r io.Reader, maxDict int64) (io.Reader, error) {
	var hdr [lzma.HeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	declared := int64(binary.LittleEndian.Uint32(hdr[1:]))
	out := int64(-1)
	if size := binary.LittleEndian.Uint64(hdr[5:]); size < 1<<62 {
		out = int64(size)
	}
	used := safeio.DictCap(declared, out, maxDict, lzma.MinDictCap)
	binary.LittleEndian.PutUint32(hdr[1:], uint32(used)) //nolint:gosec // used <= maxDict <= MaxUint32
	lr, err := lzma.ReaderConfig{DictCap: int(used)}.NewReader(io.MultiReader(bytes.NewReader(hdr[:]), r))
	if err != nil {
		return nil, err
	}
	return safeio.DictReader(&cutLZMA{r: lr}, declared, used), nil
}

// cutLZMA returns what an LZMA decoder decoded before its input was cut
// off. The decoder decodes into its dictionary until the input ends, then
// reports io.ErrUnexpectedEOF without handing out those bytes; they come
// out of later reads. Without this, a stream cut short (or the format
// check's first 4 KiB of a longer one) decodes to nothing.
type cutLZMA struct {
	r   io.Reader
	err error // the decoder's error, returned once its output is drained
}

func (c *cutLZMA) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.err != nil {
		n, _ := c.r.Read(p)
		if n > 0 {
			return n, nil
		}
		return 0, c.err
	}
	n, err := c.r.Read(p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		c.err = err
		if n > 0 {
			return n, nil
		}
		return c.Read(p)
	}
	return n, err
}

// Read reads decompressed bytes.
func (zr *Reader) Read(p []byte) (int, error) { return zr.guard.Read(p) }

// Consumed is the number of compressed bytes consumed so far.
func (zr *Reader) Consumed() int64 { return zr.cnt.N }

// Out is the number of decompressed bytes read so far.
func (zr *Reader) Out() int64 { return zr.guard.Out }

// Close releases the decompressor.
func (zr *Reader) Close() error {
	if zr.closer != nil {
		return zr.closer.Close()
	}
	return nil
}
