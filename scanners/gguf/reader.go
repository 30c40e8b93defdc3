package gguf

import (
	"context"
	"encoding/binary"
	"errors"
	"io"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// window is how many bytes the reader buffers at a time.
const window = 64 << 10

// reader reads little-endian fields from r sequentially, through a window
// buffer, never past size.
type reader struct {
	ctx    context.Context
	r      io.ReaderAt
	size   int64
	off    int64
	buf    []byte
	bufOff int64
	v1     bool
	lim    Limits
	steps  int
	// kept counts the bytes of ordinary strings kept so far.
	kept int64
}

// maxKept caps the bytes of ordinary (non-template) strings kept.
const maxKept = 64 << 20

func (d *reader) remain() int64 { return d.size - d.off }

// tick checks ctx every few thousand steps of a loop.
func (d *reader) tick() error {
	d.steps++
	if d.steps&0xfff == 0 {
		if err := d.ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// take returns the next n bytes and advances past them. The slice is only
// valid until the next call.
func (d *reader) take(n int64, what string) ([]byte, error) {
	if n < 0 || n > d.remain() {
		return nil, scanners.Errorf(format, d.off, "%s: %d bytes needed, %d remain", what, n, d.remain())
	}
	if n > window {
		b, err := safeio.ReadAt(d.r, d.size, d.off, n, n)
		if err != nil {
			return nil, scanners.Errorf(format, d.off, "%s: %v", what, err)
		}
		d.off += n
		return b, nil
	}
	if d.off < d.bufOff || d.off+n > d.bufOff+int64(len(d.buf)) {
		if err := d.fill(what); err != nil {
			return nil, err
		}
	}
	start := d.off - d.bufOff
	d.off += n
	return d.buf[start : start+n], nil
}

// fill loads the window starting at d.off.
func (d *reader) fill(what string) error {
	want := min(int64(window), d.remain())
	if cap(d.buf) < window {
		d.buf = make([]byte, window)
	}
	d.buf = d.buf[:want]
	got, err := d.r.ReadAt(d.buf, d.off)
	if int64(got) < want {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		d.buf = d.buf[:0]
		return scanners.Errorf(format, d.off, "%s: reading: %v", what, err)
	}
	d.bufOff = d.off
	return nil
}

// skip advances past n bytes that must lie inside the file.
func (d *reader) skip(n int64, what string) error {
	if n < 0 || n > d.remain() {
		return scanners.Errorf(format, d.off, "%s: %d bytes needed, %d remain", what, n, d.remain())
	}
	d.off += n
	return nil
}

func (d *reader) u8(what string) (uint8, error) {
	b, err := d.take(1, what)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (d *reader) u32(what string) (uint32, error) {
	b, err := d.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (d *reader) u64(what string) (uint64, error) {
	b, err := d.take(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// lenSize is the size of a string length or count field: 4 in v1, 8 since.
func (d *reader) lenSize() int64 {
	if d.v1 {
		return 4
	}
	return 8
}

// length reads a string length or array count (u32 in v1, u64 since).
func (d *reader) length(what string) (uint64, error) {
	if d.v1 {
		v, err := d.u32(what)
		return uint64(v), err
	}
	return d.u64(what)
}

// str reads a string. It returns the string only when keep allows its
// length (keep < 0 keeps any length up to the limit); otherwise it skips
// the bytes and returns its length alone. Errors name it what+of (built
// only then: str runs once per token of a vocabulary).
func (d *reader) str(what, of string, keep int64) (s string, n uint64, kept bool, err error) {
	at := d.off
	n, err = d.length(what)
	if err != nil {
		return "", 0, false, scanners.Errorf(format, at, "%s%s length: %d bytes needed, %d remain", what, of, d.lenSize(), d.remain())
	}
	if n > uint64(d.lim.MaxString) { //nolint:gosec // withDefaults made the limit positive
		return "", n, false, scanners.Errorf(format, at, "%s%s length %d exceeds the limit of %d bytes", what, of, n, d.lim.MaxString)
	}
	m := int64(n) //nolint:gosec // n <= MaxString, an int64
	if m > d.remain() {
		return "", n, false, scanners.Errorf(format, at, "%s%s length %d exceeds the %d bytes that remain", what, of, n, d.remain())
	}
	if keep >= 0 && (m > keep || d.kept+m > maxKept) {
		return "", n, false, d.skip(m, what)
	}
	if keep >= 0 {
		d.kept += m
	}
	b, err := d.take(m, what)
	if err != nil {
		return "", n, false, err
	}
	return string(b), n, true, nil
}
