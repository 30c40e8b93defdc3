package safeio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// ErrBomb is returned when a decompressor produces far more bytes than it
// consumed: the output passed Limits.RatioFloor and exceeds Limits.MaxRatio
// times the compressed input.
var ErrBomb = errors.New("safeio: decompression ratio exceeds limit")

// BombLimits bounds what a decompressor may produce.
type BombLimits struct {
	// MaxSize is the most output bytes; one more fails with ErrTooLarge.
	MaxSize int64
	// MaxRatio is the largest output/input ratio tolerated once the output
	// has passed RatioFloor. Zero turns the ratio check off.
	MaxRatio int64
	// RatioFloor is the output size below which the ratio is not checked:
	// small, highly compressible payloads (zeroed tensors) are normal.
	RatioFloor int64
}

// Counter counts the bytes read through it.
type Counter struct {
	R io.Reader
	N int64
}

// Read reads from R and counts the bytes.
func (c *Counter) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}

// ReadByte reads one byte from R (through Read when R has no ReadByte).
func (c *Counter) ReadByte() (byte, error) {
	if br, ok := c.R.(io.ByteReader); ok {
		b, err := br.ReadByte()
		if err == nil {
			c.N++
		}
		return b, err
	}
	var b [1]byte
	_, err := io.ReadFull(c, b[:])
	return b[0], err
}

// Guard wraps the output of a decompressor. It fails with ErrTooLarge or
// ErrBomb once the output breaks lim; in reports the compressed bytes
// consumed so far (nil when unknown: only MaxSize is then checked).
type Guard struct {
	r   io.Reader
	in  func() int64
	lim BombLimits
	// Out is the number of bytes returned so far.
	Out int64
}

// NewGuard returns a Guard over the decompressed stream r.
func NewGuard(r io.Reader, in func() int64, lim BombLimits) *Guard {
	return &Guard{r: r, in: in, lim: lim}
}

// Read reads decompressed bytes, stopping at the limits.
func (g *Guard) Read(p []byte) (int, error) {
	if room := g.lim.MaxSize - g.Out + 1; room <= 0 {
		return 0, fmt.Errorf("%w: output passed %d bytes", ErrTooLarge, g.lim.MaxSize)
	} else if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := g.r.Read(p)
	g.Out += int64(n)
	if g.Out > g.lim.MaxSize {
		n -= int(g.Out - g.lim.MaxSize)
		g.Out = g.lim.MaxSize
		return n, fmt.Errorf("%w: output passed %d bytes", ErrTooLarge, g.lim.MaxSize)
	}
	if g.lim.MaxRatio > 0 && g.in != nil && g.Out > g.lim.RatioFloor {
		if in := max(g.in(), 1); g.Out/in > g.lim.MaxRatio {
			return n, fmt.Errorf("%w: %d bytes from %d compressed bytes", ErrBomb, g.Out, in)
		}
	}
	return n, err
}

// SpoolLimits bounds a Spool.
type SpoolLimits struct {
	// MaxMemory is how many bytes are kept in memory; beyond it the spool
	// moves to a temporary file.
	MaxMemory int64
	// MaxSize is the most bytes spooled; more fail with ErrTooLarge.
	MaxSize int64
	// Dir is the directory for the temporary file ("" is os.TempDir()).
	Dir string
}

// DefaultSpoolLimits keeps 1 MiB in memory and spools at most 4 GiB. (At
// 32 MiB, the doubling buffer, its garbage and a spool per nesting level
// took a scan past 170 MB of RSS, issue 11; bigger members go to a file,
// whose pages the kernel caches outside the process.)
func DefaultSpoolLimits() SpoolLimits {
	return SpoolLimits{MaxMemory: 1 << 20, MaxSize: 4 << 30}
}

// Spooled holds the bytes copied from a stream, in memory or in a temporary
// file, readable at random. Close releases it and removes the file.
type Spooled struct {
	mem  []byte
	file *os.File
	size int64
	// linked is set when the file could not be unlinked at creation (a
	// system that does not allow removing an open file): Close removes it.
	linked bool
	// work, when set, grants the memory held in mem (reserved bytes).
	work     *Work
	reserved int64
}

// ReadAt reads from the spooled bytes.
func (s *Spooled) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("safeio: negative offset")
	}
	if off >= s.size {
		return 0, io.EOF
	}
	if s.file != nil {
		want := min(int64(len(p)), s.size-off)
		n, err := s.file.ReadAt(p[:want], off)
		if err == nil && want < int64(len(p)) {
			err = io.EOF
		}
		return n, err
	}
	n := copy(p, s.mem[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Size is the number of bytes spooled.
func (s *Spooled) Size() int64 { return s.size }

// Close frees the memory and removes the temporary file.
func (s *Spooled) Close() error {
	s.mem = nil
	s.release()
	if s.file == nil {
		return nil
	}
	name := s.file.Name()
	err := s.file.Close()
	s.file = nil
	if !s.linked {
		return err
	}
	if rerr := os.Remove(name); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}

// Spool copies r into a Spooled within lim. On a read error, a cancelled ctx
// or a limit it returns what it copied so far together with the error: a
// loader may already have acted on those bytes, so callers scan them too.
// The returned Spooled is never nil and must be closed. When ctx carries a
// Work, the memory the spool keeps is also taken from the Work's memory
// budget, so that spools nested in one file share one ceiling; once the
// budget is spent the spool moves to its file.
func Spool(ctx context.Context, r io.Reader, lim SpoolLimits) (*Spooled, error) {
	s := &Spooled{work: WorkOf(ctx)}
	buf := make([]byte, 32<<10)
	for empty := 0; ; {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		want := min(int64(len(buf)), lim.MaxSize-s.size+1)
		if want <= 0 {
			return s, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, lim.MaxSize)
		}
		n, err := r.Read(buf[:want])
		if n == 0 && err == nil {
			if empty++; empty > 100 {
				return s, io.ErrNoProgress
			}
		}
		if n > 0 {
			keep := min(int64(n), lim.MaxSize-s.size)
			if werr := s.write(buf[:keep], lim); werr != nil {
				return s, werr
			}
			if keep < int64(n) {
				return s, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, lim.MaxSize)
			}
		}
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return s, err
		}
	}
}

// release returns the memory reserved from the Work.
func (s *Spooled) release() {
	if s.work != nil && s.reserved > 0 {
		s.work.releaseMemory(s.reserved)
	}
	s.reserved = 0
}

// grow makes room in mem for need bytes, within lim and the Work's budget;
// false means the bytes go to a file.
func (s *Spooled) grow(need int, lim SpoolLimits) bool {
	if need <= cap(s.mem) {
		return true
	}
	// Double, up to MaxMemory: append's 1.25x growth of a 32 MiB buffer
	// allocated 163 MB on the way (issue 9's DUP bomb peaked at 170 MB
	// RSS through this spool).
	n := min(max(2*cap(s.mem), need, 64<<10), max(int(min(lim.MaxMemory, math.MaxInt32)), need))
	if s.work != nil {
		// The budget counts the buffers kept; the old one is garbage
		// once copied.
		if !s.work.grantMemory(int64(n) - s.reserved) {
			return false
		}
		s.reserved = int64(n)
	}
	m := make([]byte, len(s.mem), n)
	copy(m, s.mem)
	s.mem = m
	return true
}

func (s *Spooled) write(p []byte, lim SpoolLimits) error {
	inMem := s.size+int64(len(p)) <= lim.MaxMemory
	if s.file == nil && inMem {
		inMem = s.grow(len(s.mem)+len(p), lim)
	}
	if s.file == nil && !inMem {
		f, err := os.CreateTemp(lim.Dir, "aibom-spool-*")
		if err != nil {
			return fmt.Errorf("safeio: spool file: %w", err)
		}
		// Unlink at once: the open descriptor keeps the bytes readable, and
		// a scan that is killed leaves nothing behind (issue 9 found a
		// 2.5 GB spool file left by a killed scan).
		s.linked = os.Remove(f.Name()) != nil
		if _, err := f.Write(s.mem); err != nil {
			_ = f.Close()
			if s.linked {
				_ = os.Remove(f.Name())
			}
			return fmt.Errorf("safeio: spool file: %w", err)
		}
		s.file, s.mem = f, nil
		s.release()
	}
	if s.file != nil {
		if _, err := s.file.Write(p); err != nil {
			return fmt.Errorf("safeio: spool file: %w", err)
		}
	} else {
		s.mem = append(s.mem, p...)
	}
	s.size += int64(len(p))
	return nil
}
