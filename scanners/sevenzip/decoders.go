package sevenzip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/bodgit/sevenzip"
	"github.com/klauspost/compress/zstd"
	"github.com/stangelandcl/ppmd"
)

// maxDict caps the model memory (PPMd) and window (zstd) that a 7z coder
// may allocate; LZMA and LZMA2 dictionaries are capped at safeio.MaxDict.
// The library's own decoders allocate what the archive's properties ask
// for, up to 4 GiB each; the replacements registered here allocate at most
// this, and fail on streams that need more. It is process-wide because the
// library's registry is.
const maxDict = 64 << 20

var registerOnce sync.Once

// registerDecoders replaces the library's LZMA, LZMA2, PPMd and zstd
// decoders with bounded ones.
func registerDecoders() {
	registerOnce.Do(func() {
		sevenzip.RegisterDecompressor([]byte{0x03, 0x01, 0x01}, lzmaCoder)
		sevenzip.RegisterDecompressor([]byte{0x21}, lzma2Coder)
		sevenzip.RegisterDecompressor([]byte{0x03, 0x04, 0x01}, ppmdCoder)
		sevenzip.RegisterDecompressor([]byte{0x04, 0xf7, 0x11, 0x01}, zstdCoder)
	})
}

var errOneReader = errors.New("7z coder: need exactly one input stream")

// readCloser reads r and closes c.
type readCloser struct {
	r io.Reader
	c io.Closer
}

func (rc *readCloser) Read(p []byte) (int, error) { return rc.r.Read(p) }

func (rc *readCloser) Close() error { return rc.c.Close() }

func lzmaCoder(p []byte, size uint64, in []io.ReadCloser) (io.ReadCloser, error) {
	if len(in) != 1 {
		return nil, errOneReader
	}
	if len(p) != 5 {
		return nil, fmt.Errorf("lzma: %d property bytes", len(p))
	}
	r, err := newLZMA(p, size, in[0])
	if err != nil {
		return nil, fmt.Errorf("lzma: %w", err)
	}
	return &readCloser{r: r, c: in[0]}, nil
}

func lzma2Coder(p []byte, size uint64, in []io.ReadCloser) (io.ReadCloser, error) {
	if len(in) != 1 {
		return nil, errOneReader
	}
	if len(p) != 1 {
		return nil, fmt.Errorf("lzma2: %d property bytes", len(p))
	}
	r, err := newLZMA2(p[0], size, in[0])
	if err != nil {
		return nil, fmt.Errorf("lzma2: %w", err)
	}
	return &readCloser{r: r, c: in[0]}, nil
}

func ppmdCoder(p []byte, size uint64, in []io.ReadCloser) (io.ReadCloser, error) {
	if len(in) != 1 {
		return nil, errOneReader
	}
	if len(p) != 5 {
		return nil, fmt.Errorf("ppmd: %d property bytes", len(p))
	}
	mem := binary.LittleEndian.Uint32(p[1:])
	if mem > maxDict || size > 1<<40 {
		return nil, fmt.Errorf("ppmd: model of %d bytes exceeds the limit of %d", mem, maxDict)
	}
	r, err := ppmd.NewH7zReader(in[0], int(p[0]), int(mem), int(size))
	if err != nil {
		return nil, fmt.Errorf("ppmd: %w", err)
	}
	return &readCloser{r: &r, c: in[0]}, nil
}

func zstdCoder(_ []byte, _ uint64, in []io.ReadCloser) (io.ReadCloser, error) {
	if len(in) != 1 {
		return nil, errOneReader
	}
	d, err := zstd.NewReader(in[0], zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxDict), zstd.WithDecoderMaxMemory(1<<40))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return &readCloser{r: d, c: closers{d.IOReadCloser(), in[0]}}, nil
}

// closers closes each in turn.
type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
