// Package safeio reads untrusted input within fixed bounds: reads that stop at
// a limit instead of allocating what a length field claims, and guards that
// stop decompression bombs.
package safeio

import (
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge is returned when input exceeds the limit a caller set.
var ErrTooLarge = errors.New("safeio: input exceeds limit")

// chunk is the most ReadAll allocates before it has seen the bytes.
const chunk = 1 << 20

// ReadAll reads r to EOF, failing with ErrTooLarge once more than limit bytes
// arrive. Memory grows with the bytes actually read, never with a size that
// the input claims.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	buf := make([]byte, 0, min(limit, 512))
	for {
		if int64(len(buf)) > limit {
			return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
		}
		if len(buf) == cap(buf) {
			grow := min(max(cap(buf), 512), chunk)
			buf = append(buf, make([]byte, grow)...)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(int64(cap(buf)), limit+1)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			if int64(len(buf)) > limit {
				return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
			}
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// ReadAt reads exactly n bytes at off from r, after checking that they lie
// inside size and that n is at most limit. It allocates only then.
func ReadAt(r io.ReaderAt, size, off, n, limit int64) ([]byte, error) {
	if off < 0 || n < 0 || off > size || n > size-off {
		return nil, fmt.Errorf("safeio: %d bytes at offset %d lie outside the %d-byte input", n, off, size)
	}
	if n > limit {
		return nil, fmt.Errorf("%w: %d bytes wanted, limit %d", ErrTooLarge, n, limit)
	}
	buf := make([]byte, n)
	got, err := r.ReadAt(buf, off)
	if int64(got) < n {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("safeio: reading %d bytes at offset %d: %w", n, off, err)
	}
	return buf, nil
}

// LimitReader returns a reader that fails with ErrTooLarge, instead of
// returning EOF, when more than n bytes are read from r.
func LimitReader(r io.Reader, n int64) io.Reader { return &limited{r: r, n: n} }

type limited struct {
	r io.Reader
	n int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n + int(l.n), ErrTooLarge
	}
	return n, err
}
