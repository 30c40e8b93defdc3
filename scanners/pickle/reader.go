package pickle

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// reader is a forward-only byte source that knows its offset.
type reader struct {
	br  *bufio.Reader
	off int64
	// long holds the kept start of a line longer than the buffer.
	long []byte
}

const bufSize = 256 << 10

func newReader(r io.Reader, base int64) *reader {
	size := bufSize
	switch v := r.(type) {
	case interface{ Len() int }:
		size = min(size, max(v.Len(), 64))
	case interface{ Size() int64 }:
		size = int(min(int64(size), max(v.Size(), 64)))
	}
	return &reader{br: bufio.NewReaderSize(r, size), off: base}
}

// errTruncated is returned when the stream ends inside an opcode.
var errTruncated = errors.New("stream ends inside an opcode")

func (r *reader) readByte() (byte, error) {
	b, err := r.br.ReadByte()
	if err != nil {
		return 0, err
	}
	r.off++
	return b, nil
}

// peek returns the next n bytes without consuming them; the slice is valid
// until the next read.
func (r *reader) peek(n int) ([]byte, error) {
	b, err := r.br.Peek(n)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return b, errTruncated
		}
		return b, err
	}
	return b, nil
}

func (r *reader) discard(n int64) error {
	for n > 0 {
		step := int(min(n, 1<<30))
		d, err := r.br.Discard(step)
		r.off += int64(d)
		n -= int64(d)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errTruncated
			}
			return err
		}
	}
	return nil
}

// fixed reads an n-byte (n ≤ 8) little-endian unsigned integer.
func (r *reader) fixed(n int) (uint64, error) {
	b, err := r.peek(n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	_ = r.discard(int64(n))
	return v, nil
}

// line reads a newline-terminated argument and returns it without the
// newline. The slice is valid until the next read. Python's readline has
// no length limit, so a line longer than the buffer is read to its end
// and its first bufSize bytes are returned (a walker that stopped there
// would never see the opcodes after it).
func (r *reader) line() ([]byte, error) {
	b, err := r.br.ReadSlice('\n')
	r.off += int64(len(b))
	switch {
	case err == nil:
		return b[:len(b)-1], nil
	case errors.Is(err, bufio.ErrBufferFull):
		r.long = append(r.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = r.br.ReadSlice('\n')
			r.off += int64(len(b))
		}
		if err != nil {
			return nil, errTruncated
		}
		return r.long, nil
	case errors.Is(err, io.EOF):
		return nil, errTruncated
	default:
		return nil, err
	}
}

// str reads an n-byte string argument. Strings up to keep bytes are
// returned (valid until the next read); longer ones are skipped and
// reported as not kept.
func (r *reader) str(n uint64, keep int) (b []byte, kept bool, err error) {
	if n > math.MaxInt64 {
		return nil, false, fmt.Errorf("length %d too large", n)
	}
	if n < 1<<31 && int(n) <= keep {
		b, err := r.peek(int(n))
		if err != nil {
			return nil, false, err
		}
		_ = r.discard(int64(n))
		return b, true, nil
	}
	return nil, false, r.discard(int64(n))
}

// unquote decodes a protocol 0 STRING argument: a Python repr of a bytes
// string in single or double quotes with backslash escapes.
func unquote(b []byte) ([]byte, bool) {
	if len(b) < 2 || (b[0] != '\'' && b[0] != '"') || b[len(b)-1] != b[0] {
		return nil, false
	}
	return unescape(b[1:len(b)-1], false), true
}

// unescape decodes Python string escapes: \xHH, octal, \n-style escapes
// and, when uni is set, \uXXXX and \UXXXXXXXX (raw-unicode-escape only
// knows those two, but decoding the others too can only reveal names).
func unescape(b []byte, uni bool) []byte {
	if bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		i++
		switch e := b[i]; e {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'x':
			if v, ok := hexVal(b, i+1, 2); ok {
				out = append(out, byte(v&0xff))
				i += 2
			} else {
				out = append(out, '\\', e)
			}
		case 'u', 'U':
			width := 4
			if e == 'U' {
				width = 8
			}
			if v, ok := hexVal(b, i+1, width); ok && uni && v >= 0 && v <= 0x10ffff {
				out = utf8.AppendRune(out, rune(v&0x1fffff))
				i += width
			} else {
				out = append(out, '\\', e)
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, j := 0, i
			for ; j < len(b) && j < i+3 && b[j] >= '0' && b[j] <= '7'; j++ {
				v = v*8 + int(b[j]-'0')
			}
			out = append(out, byte(v&0xff))
			i = j - 1
		default:
			out = append(out, e)
		}
	}
	return out
}

func hexVal(b []byte, at, width int) (int, bool) {
	if at+width > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[at : at+width] {
		switch {
		case c >= '0' && c <= '9':
			v = v*16 + int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v*16 + int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v*16 + int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// le returns the little-endian two's complement integer in b when it fits
// in an int64.
func le(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	if len(b) > 8 {
		return 0, false
	}
	var buf [8]byte
	copy(buf[:], b)
	if b[len(b)-1]&0x80 != 0 {
		for i := len(b); i < 8; i++ {
			buf[i] = 0xff
		}
	}
	return int64(binary.LittleEndian.Uint64(buf[:])), true //nolint:gosec // two's complement is the format's definition
}
