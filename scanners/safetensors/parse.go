package safetensors

import (
	"context"
	"encoding/binary"
	"io"
	"math"
	"math/bits"
	"sort"
	"unicode/utf8"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// format is the Format of every FormatError this package returns.
const format = "safetensors"

// lengthSize is the size of the header length field that opens the file.
const lengthSize = 8

// Parse validates the safetensors file of size bytes read from r and returns
// its header. Every error is a *scanners.FormatError whose Offset is a byte
// offset in the file: 0 for the header length, the start of the JSON token
// at fault, or the point in the data buffer where coverage goes wrong.
//
// Parse reads only the length field and the JSON header; it allocates the
// header only after checking its length against lim and size.
func Parse(r io.ReaderAt, size int64, lim Limits) (*Header, error) {
	return parseContext(context.Background(), r, size, lim)
}

// parseContext is Parse, stopping with ctx.Err() when ctx is done: a
// hostile 100 MB header takes seconds to walk.
func parseContext(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*Header, error) {
	n, err := readLength(r, size, lim)
	if err != nil {
		return nil, err
	}
	raw, err := safeio.ReadAt(r, size, lengthSize, n, lim.maxHeader())
	if err != nil {
		return nil, scanners.Errorf(format, lengthSize, "reading the %d-byte header: %v", n, err)
	}
	if err := checkText(raw); err != nil {
		return nil, err
	}
	p := newParser(ctx, raw)
	ents, err := p.parseHeader()
	if err != nil {
		return nil, err
	}
	h := &Header{
		HeaderSize:   n,
		DataOffset:   lengthSize + n,
		DataSize:     size - lengthSize - n,
		Metadata:     p.meta,
		formatOffset: p.formatOff,
	}
	if err := h.fill(ents); err != nil {
		return nil, err
	}
	return h, nil
}

// readLength reads N and checks it against the limit and the file size.
func readLength(r io.ReaderAt, size int64, lim Limits) (int64, error) {
	if size < lengthSize {
		return 0, scanners.Errorf(format, 0, "file is %d bytes, too short for the 8-byte header length", size)
	}
	var b [lengthSize]byte
	if k, err := r.ReadAt(b[:], 0); k < lengthSize {
		return 0, scanners.Errorf(format, 0, "reading the header length: %v", err)
	}
	u := binary.LittleEndian.Uint64(b[:])
	if u > math.MaxInt64 {
		return 0, scanners.Errorf(format, 0, "header length %d exceeds the limit of %d bytes", u, lim.maxHeader())
	}
	switch n := int64(u); {
	case n == 0:
		return 0, scanners.Errorf(format, 0, "header length is 0")
	case n > lim.maxHeader():
		return 0, scanners.Errorf(format, 0, "header length %d exceeds the limit of %d bytes", n, lim.maxHeader())
	case n > size-lengthSize:
		return 0, scanners.Errorf(format, 0, "header length %d exceeds the %d bytes after the length field", n, size-lengthSize)
	default:
		return n, nil
	}
}

// checkText checks what the JSON decoder does not: the header starts with
// '{', is valid UTF-8, and has no \u escape that decodes to a lone UTF-16
// surrogate (encoding/json would replace it with U+FFFD; serde_json, which
// the reference loader uses, rejects it).
func checkText(raw []byte) error {
	if raw[0] != '{' {
		return scanners.Errorf(format, lengthSize, "header starts with %q, not '{'", raw[0])
	}
	if !utf8.Valid(raw) {
		i := 0
		for i < len(raw) {
			r, w := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && w == 1 {
				break
			}
			i += w
		}
		return scanners.Errorf(format, lengthSize+int64(i), "header is not valid UTF-8")
	}
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString:
			w, ok := surrogateEscape(raw[i:])
			if !ok {
				return scanners.Errorf(format, lengthSize+int64(i), "string escape %s is a lone UTF-16 surrogate", raw[i:i+6])
			}
			i += w - 1
		}
	}
	return nil
}

// surrogateEscape looks at the escape sequence at the start of b (which
// starts with a backslash) and returns its length, and false if it is a \u
// escape of a surrogate that is not followed by its pair. Malformed escapes
// are left for the JSON decoder to report.
func surrogateEscape(b []byte) (int, bool) {
	v, ok := hex4(b)
	switch {
	case !ok:
		return 2, true
	case v >= 0xDC00 && v <= 0xDFFF:
		return 6, false
	case v >= 0xD800 && v <= 0xDBFF:
		lo, ok := hex4(b[6:])
		if !ok || lo < 0xDC00 || lo > 0xDFFF {
			return 6, false
		}
		return 12, true
	}
	return 6, true
}

// hex4 decodes b if it starts with \uXXXX.
func hex4(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	var v rune
	for _, c := range b[2:6] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// entry is a tensor as read from the header, with the file offsets of its
// parts for error messages.
type entry struct {
	name         string
	dtype        Dtype
	shape        []uint64
	begin, end   uint64
	shapeOff     int64
	offsetsOff   int64
	elements     uint64
	elementsOver bool
}

// fill checks that ents tile the data buffer as the reference implementation
// does (sorted by offsets, each starting where the previous ended, each as
// long as its shape and dtype say, the last ending at the end of the file)
// and stores them in h.
func (h *Header) fill(ents []entry) error {
	sort.Slice(ents, func(i, j int) bool {
		a, b := ents[i], ents[j]
		if a.begin != b.begin {
			return a.begin < b.begin
		}
		if a.end != b.end {
			return a.end < b.end
		}
		return a.name < b.name
	})
	var pos uint64
	dataSize := toU64(h.DataSize)
	h.Params = map[Dtype]uint64{}
	h.Tensors = make([]Tensor, 0, len(ents))
	for i := range ents {
		e := &ents[i]
		if err := checkEntry(e, pos); err != nil {
			return err
		}
		if e.end > dataSize {
			return scanners.Errorf(format, e.offsetsOff, "tensor %q ends at data offset %d, past the end of the %d-byte data buffer",
				e.name, e.end, h.DataSize)
		}
		pos = e.end
		h.Params[e.dtype] += e.elements
		h.TotalParams += e.elements
		h.Tensors = append(h.Tensors, Tensor{
			Name: e.name, Dtype: e.dtype, Shape: e.shape,
			Begin: toI64(e.begin), End: toI64(e.end), Elements: e.elements,
		})
	}
	if pos != dataSize {
		return scanners.Errorf(format, h.DataOffset+toI64(pos), "the last %d bytes of the data buffer belong to no tensor",
			dataSize-pos)
	}
	return nil
}

// toU64 converts a size known to be non-negative.
func toU64(x int64) uint64 {
	if x < 0 {
		return 0
	}
	return uint64(x)
}

// toI64 converts an offset known to lie inside the file.
func toI64(x uint64) int64 {
	if x > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(x)
}

// checkEntry checks one tensor that should start at data offset pos.
func checkEntry(e *entry, pos uint64) error {
	switch {
	case e.begin < pos:
		return scanners.Errorf(format, e.offsetsOff, "tensor %q begins at data offset %d, inside the previous tensor, which ends at %d",
			e.name, e.begin, pos)
	case e.begin > pos:
		return scanners.Errorf(format, e.offsetsOff, "tensor %q begins at data offset %d, leaving a gap after data offset %d",
			e.name, e.begin, pos)
	case e.end < e.begin:
		return scanners.Errorf(format, e.offsetsOff, "tensor %q ends at data offset %d, before it begins at %d", e.name, e.end, e.begin)
	case e.elementsOver:
		return scanners.Errorf(format, e.shapeOff, "tensor %q: element count of shape %v overflows 64 bits", e.name, e.shape)
	}
	hi, nbits := bits.Mul64(e.elements, uint64(dtypeBits[e.dtype]))
	switch {
	case hi != 0:
		return scanners.Errorf(format, e.shapeOff, "tensor %q: size in bits of %d %s elements overflows 64 bits",
			e.name, e.elements, e.dtype)
	case nbits%8 != 0:
		return scanners.Errorf(format, e.shapeOff, "tensor %q: %d %s elements take %d bits, not a whole number of bytes",
			e.name, e.elements, e.dtype, nbits)
	case nbits/8 != e.end-e.begin:
		return scanners.Errorf(format, e.offsetsOff, "tensor %q: shape %v of %s takes %d bytes, but data_offsets [%d, %d] span %d",
			e.name, e.shape, e.dtype, nbits/8, e.begin, e.end, e.end-e.begin)
	}
	return nil
}

// product multiplies dims in order as the reference does (checked_mul from
// 1), reporting overflow at any step: [2^63, 2, 0] overflows, [2^63, 0, 2]
// does not.
func product(dims []uint64) (uint64, bool) {
	n := uint64(1)
	for _, d := range dims {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 {
			return 0, false
		}
		n = lo
	}
	return n, true
}
