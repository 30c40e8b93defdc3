package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tw writes the Thrift compact protocol, for building Parquet footers.
type tw struct {
	bytes.Buffer
	last []int16
}

func (w *tw) uvarint(v uint64) { w.Write(binary.AppendUvarint(nil, v)) }
func (w *tw) zigzag(v int64)   { w.uvarint(uint64(v<<1) ^ uint64(v>>63)) }

func (w *tw) field(id int16, typ byte) {
	last := w.last[len(w.last)-1]
	if d := id - last; d > 0 && d < 16 {
		w.WriteByte(byte(d)<<4 | typ)
	} else {
		w.WriteByte(typ)
		w.zigzag(int64(id))
	}
	w.last[len(w.last)-1] = id
}
func (w *tw) begin() { w.last = append(w.last, 0) }
func (w *tw) end()   { w.WriteByte(0); w.last = w.last[:len(w.last)-1] }
func (w *tw) i32(id int16, v int32) {
	w.field(id, tI32)
	w.zigzag(int64(v))
}
func (w *tw) i64(id int16, v int64) {
	w.field(id, tI64)
	w.zigzag(v)
}
func (w *tw) str(id int16, s string) {
	w.field(id, tBinary)
	w.uvarint(uint64(len(s)))
	w.WriteString(s)
}
func (w *tw) list(id int16, elem byte, n int) {
	w.field(id, tList)
	if n < 15 {
		w.WriteByte(byte(n)<<4 | elem)
	} else {
		w.WriteByte(0xf0 | elem)
		w.uvarint(uint64(n))
	}
}

type pqCol struct {
	name      string
	typ       int32 // -1: group
	converted int32 // -1: none
	children  int32
}

// parquetFile builds a Parquet file: "PAR1", body (standing in for the
// column chunks), a FileMetaData footer, its length and "PAR1". The footer
// is what a real writer writes; the body is not real pages.
func parquetFile(body string, rows int64, codec int32, cols []pqCol) []byte {
	w := &tw{}
	w.begin()
	w.i32(1, 2)
	w.list(2, tStruct, len(cols)+1)
	w.begin()
	w.str(4, "schema")
	top := int32(len(cols))
	for _, c := range cols {
		top -= c.children
	}
	w.i32(5, top)
	w.end()
	for _, c := range cols {
		w.begin()
		if c.typ >= 0 {
			w.i32(1, c.typ)
		}
		w.i32(3, 1)
		w.str(4, c.name)
		if c.children > 0 {
			w.i32(5, c.children)
		}
		if c.converted >= 0 {
			w.i32(6, c.converted)
		}
		if c.typ == 6 && c.converted == -2 { // LogicalType STRING
			w.field(10, tStruct)
			w.begin()
			w.field(1, tStruct)
			w.begin()
			w.end()
			w.end()
		}
		w.end()
	}
	w.i64(3, rows)
	rowGroup(w, rows, codec, int64(len(body)))
	w.field(5, tDouble) // an unknown field of another type, skipped
	w.Write(make([]byte, 8))
	w.str(6, "aibom test writer")
	w.field(7, tTrue)
	w.end()
	footer := w.Bytes()
	out := append([]byte("PAR1"), body...)
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

// rowGroup writes FileMetaData field 4: one row group of one column chunk.
func rowGroup(w *tw, rows int64, codec int32, bodyLen int64) {
	w.list(4, tStruct, 1)
	w.begin()
	w.list(1, tStruct, 1)
	w.begin()
	w.i64(2, 4)
	w.field(3, tStruct)
	w.begin()
	w.i32(1, 2)
	w.list(2, tI32, 1)
	w.zigzag(0)
	w.list(3, tBinary, 1)
	w.uvarint(2)
	w.WriteString("id")
	w.i32(4, codec)
	w.i64(5, rows)
	w.field(8, tMap) // key_value_metadata-like map, to exercise skipping
	w.uvarint(1)
	w.WriteByte(tBinary<<4 | tBinary)
	w.uvarint(1)
	w.WriteString("k")
	w.uvarint(1)
	w.WriteString("v")
	w.end()
	w.end()
	w.i64(2, bodyLen)
	w.i64(3, rows)
	w.end()
}

var testCols = []pqCol{
	{name: "id", typ: 2, converted: -1},
	{name: "text", typ: 6, converted: 0},
	{name: "blob", typ: 6, converted: -2},
	{name: "meta", typ: -1, converted: -1, children: 2},
	{name: "score", typ: 5, converted: -1},
	{name: "raw", typ: 6, converted: -1},
}

func TestParseParquet(t *testing.T) {
	t.Parallel()
	b := parquetFile("data", 3, 1, testCols)
	m, err := ParseParquet(bytes.NewReader(b), int64(len(b)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := &ParquetMeta{
		Rows: 3, RowGroups: 1, Codecs: []string{"snappy"}, CreatedBy: "aibom test writer", ColumnCount: 5,
		Columns: []Column{{"id", "int64"}, {"text", "string"}, {"blob", "string"}, {"meta.score", "double"}, {"meta.raw", "binary"}},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if m, err := ParseParquet(bytes.NewReader(b), int64(len(b)), Limits{MaxColumns: 2}); err != nil || len(m.Columns) != 2 || m.ColumnCount != 5 {
		t.Errorf("MaxColumns: %v %v", m, err)
	}
}

func TestParseParquetErrors(t *testing.T) {
	t.Parallel()
	good := parquetFile("", 1, 0, testCols[:1])
	flip := func(off int, v byte) []byte {
		b := bytes.Clone(good)
		b[off] = v
		return b
	}
	huge := bytes.Clone(good)
	binary.LittleEndian.PutUint32(huge[len(huge)-8:], 1<<31)
	tests := map[string][]byte{
		"short":       []byte("PAR1PAR1"),
		"magic":       flip(len(good)-1, 'X'),
		"huge footer": huge,
		"truncated":   append([]byte("PAR1\x19"), good[len(good)-8:]...),
		"bad list":    append(append([]byte("PAR1"), 0x19, 0xfc, 0xff, 0xff, 0xff, 0x0f, 0x00), []byte{7, 0, 0, 0, 'P', 'A', 'R', '1'}...),
	}
	for name, b := range tests {
		if _, err := ParseParquet(bytes.NewReader(b), int64(len(b)), Limits{}); !errors.Is(err, ErrParquet) {
			t.Errorf("%s: %v, want ErrParquet", name, err)
		}
	}
	enc := flip(len(good)-1, 'E')
	if _, err := ParseParquet(bytes.NewReader(enc), int64(len(enc)), Limits{}); !errors.Is(err, ErrEncrypted) {
		t.Errorf("PARE: %v", err)
	}
	small := Limits{FooterBytes: 4}
	if _, err := ParseParquet(bytes.NewReader(good), int64(len(good)), small); err == nil {
		t.Error("footer above the limit accepted")
	}
}

// TestThriftDepth checks that nesting is bounded.
func TestThriftDepth(t *testing.T) {
	t.Parallel()
	b := bytes.Repeat([]byte{0x1c}, 1000) // field 1, struct, nested
	th := &thrift{b: b}
	th.structFields(0, func(int16, byte) bool { return false })
	if th.err == nil {
		t.Error("deep nesting accepted")
	}
}

func FuzzParquetFooter(f *testing.F) {
	f.Add(parquetFile("data", 3, 0, testCols))
	f.Add(parquetFile("", 0, 1, testCols[:2]))
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseParquet(bytes.NewReader(b), int64(len(b)), Limits{FooterBytes: 1 << 16})
		if err == nil && (m.Rows < 0 || len(m.Columns) > m.ColumnCount) {
			t.Fatalf("inconsistent %+v", m)
		}
	})
}
