package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// ErrArrow is wrapped by every error about a malformed Arrow IPC file.
var ErrArrow = errors.New("dataset: malformed arrow")

// ArrowMeta is what the messages of an Arrow IPC file or stream say.
type ArrowMeta struct {
	// Format is "arrow" (the IPC file format, magic ARROW1) or
	// "arrow-stream" (the stream format datasets writes).
	Format string
	// Rows sums the lengths of the record batches, -1 when there were
	// more than Limits.MaxBatches.
	Rows int64
	// Columns are the schema's top-level fields.
	Columns []Column
	// ColumnCount counts every top-level field, also those beyond
	// Limits.MaxColumns that Columns leaves out.
	ColumnCount int
	// Batches counts the record batches.
	Batches int
	// Compressed is set when a record batch declares body compression.
	Compressed bool
}

// arrowTypes names the Type union of Schema.fbs by its tag.
var arrowTypes = []string{
	"none", "null", "int", "floatingpoint", "binary", "utf8", "bool", "decimal", "date", "time",
	"timestamp", "interval", "list", "struct", "union", "fixedsizebinary", "fixedsizelist", "map",
	"duration", "largebinary", "largeutf8", "largelist", "runendencoded", "binaryview", "utf8view",
	"listview", "largelistview",
}

// Message header types (Message.fbs MessageHeader).
const (
	arrowSchema      = 1
	arrowRecordBatch = 3
)

// ParseArrow walks the messages of an Arrow IPC file or stream: the schema
// gives the columns, each record batch its length; bodies are skipped, not
// read. Each message's metadata is checked against the bytes that remain
// and lim.FooterBytes before it is read.
func ParseArrow(r io.ReaderAt, size int64, lim Limits) (*ArrowMeta, error) {
	lim = lim.orDefault()
	m := &ArrowMeta{Format: "arrow-stream"}
	off := int64(0)
	if head, err := safeio.ReadAt(r, size, 0, min(size, 8), 8); err == nil && string(head) == "ARROW1\x00\x00" {
		m.Format, off = "arrow", 8
	}
	schema := false
	for n := 0; ; n++ {
		if n > lim.MaxBatches {
			m.Rows = -1
			break
		}
		meta, next, err := arrowMessage(r, size, off, lim.FooterBytes)
		if err != nil {
			return nil, fmt.Errorf("%w: message at offset %d: %w", ErrArrow, off, err)
		}
		if meta == nil {
			break
		}
		body, err := m.message(meta, &schema, lim)
		if err == nil && body > size-next {
			err = fmt.Errorf("body of %d bytes past the end", body)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: message at offset %d: %w", ErrArrow, off, err)
		}
		off = next + body
	}
	if !schema {
		return nil, fmt.Errorf("%w: no schema message", ErrArrow)
	}
	return m, nil
}

// arrowMessage reads the metadata of the message at off and returns it with
// the offset of the next message; nil metadata means end of stream.
func arrowMessage(r io.ReaderAt, size, off, limit int64) (meta []byte, next int64, err error) {
	if off == size || size-off < 4 {
		return nil, 0, nil // end of stream without its marker
	}
	hdr, err := safeio.ReadAt(r, size, off, min(8, size-off), 8)
	if err != nil {
		return nil, 0, err
	}
	n, skip := int64(binary.LittleEndian.Uint32(hdr)), int64(4)
	if n == 0xFFFFFFFF { // continuation marker, then the length
		if len(hdr) < 8 {
			return nil, 0, nil
		}
		n, skip = int64(binary.LittleEndian.Uint32(hdr[4:])), 8
	}
	if n == 0 || n > 0x7FFFFFFF {
		return nil, 0, nil // end-of-stream marker (or the file footer)
	}
	meta, err = safeio.ReadAt(r, size, off+skip, n, limit)
	if err != nil {
		return nil, 0, err
	}
	return meta, off + skip + n, nil
}

// message decodes one Message flatbuffer: version, header_type, header,
// bodyLength; the body follows the metadata. It returns bodyLength.
func (m *ArrowMeta) message(meta []byte, schema *bool, lim Limits) (int64, error) {
	fb := flat{b: meta}
	msg := fb.root()
	typ := fb.u8(msg, 1)
	hdr := fb.table(msg, 2)
	body := fb.i64(msg, 3)
	if fb.err != nil {
		return 0, fb.err
	}
	if body < 0 {
		return 0, fmt.Errorf("negative body length %d", body)
	}
	switch typ {
	case arrowSchema:
		if *schema {
			return body, nil
		}
		*schema = true
		fields := fb.vector(hdr, 1)
		for i := 0; i < fields.n && fb.err == nil; i++ {
			f := fb.elem(fields, i)
			m.ColumnCount++
			if len(m.Columns) < lim.MaxColumns {
				tt := fb.u8(f, 2)
				m.Columns = append(m.Columns, Column{Name: clean(fb.str(f, 0), 256), Type: knownName(arrowTypes, int32(tt))})
			}
		}
	case arrowRecordBatch:
		m.Batches++
		n := fb.i64(hdr, 0)
		if n < 0 || n > math.MaxInt64-m.Rows {
			return 0, fmt.Errorf("record batch of %d rows", n)
		}
		if m.Rows >= 0 {
			m.Rows += n
		}
		m.Compressed = m.Compressed || fb.has(hdr, 3)
	}
	return body, fb.err
}

// flat reads flatbuffers tables with every offset bounds-checked; the first
// error sticks. A table is the position of its start, -1 when absent.
type flat struct {
	b   []byte
	err error
}

func (f *flat) fail(format string, args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf(format, args...)
	}
}

func (f *flat) u32at(p int) (uint32, bool) {
	if p < 0 || p+4 > len(f.b) {
		f.fail("offset %d past the %d-byte metadata", p, len(f.b))
		return 0, false
	}
	return binary.LittleEndian.Uint32(f.b[p:]), true
}

func (f *flat) root() int {
	v, ok := f.u32at(0)
	if !ok {
		return -1
	}
	return int(v)
}

// field returns the position of field i of table t, or -1 if absent.
func (f *flat) field(t, i int) int {
	if t < 0 || f.err != nil {
		return -1
	}
	so, ok := f.u32at(t)
	if !ok {
		return -1
	}
	vt := t - int(int32(so)) //nolint:gosec // soffset_t is signed: reinterpreting the bits is the format
	if vt < 0 || vt+4 > len(f.b) {
		f.fail("vtable at %d out of range", vt)
		return -1
	}
	vlen := int(binary.LittleEndian.Uint16(f.b[vt:]))
	if vlen < 4 || vt+vlen > len(f.b) {
		f.fail("vtable of %d bytes at %d out of range", vlen, vt)
		return -1
	}
	if 4+2*i+2 > vlen {
		return -1
	}
	fo := int(binary.LittleEndian.Uint16(f.b[vt+4+2*i:]))
	if fo == 0 {
		return -1
	}
	return t + fo
}

func (f *flat) has(t, i int) bool { return f.field(t, i) >= 0 }

func (f *flat) u8(t, i int) byte {
	p := f.field(t, i)
	if p < 0 || p >= len(f.b) {
		return 0
	}
	return f.b[p]
}

func (f *flat) i64(t, i int) int64 {
	p := f.field(t, i)
	if p < 0 {
		return 0
	}
	if p+8 > len(f.b) {
		f.fail("int64 at %d past the end", p)
		return 0
	}
	return int64(binary.LittleEndian.Uint64(f.b[p:])) //nolint:gosec // a signed int64 field; callers check the sign
}

// deref follows the uoffset at p.
func (f *flat) deref(p int) int {
	if p < 0 {
		return -1
	}
	v, ok := f.u32at(p)
	if !ok {
		return -1
	}
	q := p + int(v)
	if q >= len(f.b) {
		f.fail("offset to %d past the end", q)
		return -1
	}
	return q
}

func (f *flat) table(t, i int) int { return f.deref(f.field(t, i)) }

type fvec struct{ start, n int }

// vector returns the vector of offsets in field i; its length is checked
// against the bytes that remain.
func (f *flat) vector(t, i int) fvec {
	p := f.deref(f.field(t, i))
	if p < 0 {
		return fvec{}
	}
	n, ok := f.u32at(p)
	if !ok || int64(n)*4 > int64(len(f.b)-p-4) {
		f.fail("vector of %d elements at %d past the end", n, p)
		return fvec{}
	}
	return fvec{start: p + 4, n: int(n)}
}

func (f *flat) elem(v fvec, i int) int { return f.deref(v.start + 4*i) }

func (f *flat) str(t, i int) []byte {
	p := f.deref(f.field(t, i))
	if p < 0 {
		return nil
	}
	n, ok := f.u32at(p)
	if !ok || int64(n) > int64(len(f.b)-p-4) {
		f.fail("string of %d bytes at %d past the end", n, p)
		return nil
	}
	return f.b[p+4 : p+4+int(n)]
}
