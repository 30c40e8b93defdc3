package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fbTable is a flatbuffers table for the test builder: each field is nil
// (absent), a uint8, an int16, an int64, a string, a *fbTable or a
// []*fbTable.
type fbTable []any

// flatbuffer lays out t as a flatbuffer: root offset, then each table
// preceded by its vtable, children after their parents (uoffsets point
// forward, as the format requires).
func flatbuffer(t fbTable) []byte {
	b := make([]byte, 4)
	pos := writeTable(&b, t)
	binary.LittleEndian.PutUint32(b, uint32(pos))
	return b
}

func writeTable(b *[]byte, t fbTable) int {
	vt := len(*b)
	*b = binary.LittleEndian.AppendUint16(*b, uint16(4+2*len(t)))
	*b = binary.LittleEndian.AppendUint16(*b, 0)
	slots := len(*b)
	*b = append(*b, make([]byte, 2*len(t))...)
	tbl := len(*b)
	*b = binary.LittleEndian.AppendUint32(*b, uint32(tbl-vt))
	type patch struct {
		at int
		v  any
	}
	var later []patch
	for i, v := range t {
		if v == nil {
			continue
		}
		binary.LittleEndian.PutUint16((*b)[slots+2*i:], uint16(len(*b)-tbl))
		switch x := v.(type) {
		case uint8:
			*b = append(*b, x)
		case int16:
			*b = binary.LittleEndian.AppendUint16(*b, uint16(x))
		case int64:
			*b = binary.LittleEndian.AppendUint64(*b, uint64(x))
		default:
			later = append(later, patch{len(*b), v})
			*b = append(*b, 0, 0, 0, 0)
		}
	}
	for _, p := range later {
		binary.LittleEndian.PutUint32((*b)[p.at:], uint32(len(*b)-p.at))
		switch x := p.v.(type) {
		case *fbTable:
			pos := writeTable(b, *x)
			binary.LittleEndian.PutUint32((*b)[p.at:], uint32(pos-p.at))
		case string:
			*b = binary.LittleEndian.AppendUint32(*b, uint32(len(x)))
			*b = append(append(*b, x...), 0)
		case []*fbTable:
			*b = binary.LittleEndian.AppendUint32(*b, uint32(len(x)))
			elems := len(*b)
			*b = append(*b, make([]byte, 4*len(x))...)
			for i, e := range x {
				at := elems + 4*i
				pos := writeTable(b, *e)
				binary.LittleEndian.PutUint32((*b)[at:], uint32(pos-at))
			}
		}
	}
	return tbl
}

// arrowMsg frames a Message (version V5, header, body length) as the IPC
// stream does: continuation marker, length, metadata, body.
func arrowMsg(typ uint8, header fbTable, body []byte) []byte {
	meta := flatbuffer(fbTable{int16(4), typ, &header, int64(len(body))})
	out := binary.LittleEndian.AppendUint32(nil, 0xFFFFFFFF)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(meta)))
	return append(append(out, meta...), body...)
}

func arrowStream(file bool, body string, batches ...int64) []byte {
	schema := fbTable{int16(0), []*fbTable{
		{"text", uint8(1), uint8(5), &fbTable{}},
		{"label", uint8(0), uint8(2), &fbTable{}},
	}}
	var out []byte
	if file {
		out = []byte("ARROW1\x00\x00")
	}
	out = append(out, arrowMsg(arrowSchema, schema, nil)...)
	for _, n := range batches {
		out = append(out, arrowMsg(arrowRecordBatch, fbTable{n}, []byte(body))...)
	}
	return append(out, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0)
}

func TestParseArrow(t *testing.T) {
	t.Parallel()
	for _, file := range []bool{false, true} {
		b := arrowStream(file, "hello world body", 2, 3)
		m, err := ParseArrow(bytes.NewReader(b), int64(len(b)), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		want := &ArrowMeta{Format: "arrow-stream", Rows: 5, Batches: 2, ColumnCount: 2,
			Columns: []Column{{"text", "utf8"}, {"label", "int"}}}
		if file {
			want.Format = "arrow"
		}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
}

func TestParseArrowErrors(t *testing.T) {
	t.Parallel()
	good := arrowStream(false, "body", 1)
	tests := map[string][]byte{
		"empty":     nil,
		"no schema": {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0},
		"truncated": good[:30],
		"body past": good[:len(good)-10],
		"huge meta": {0xFF, 0xFF, 0xFF, 0xFF, 0xF0, 0xFF, 0xFF, 0x7F},
	}
	for name, b := range tests {
		if _, err := ParseArrow(bytes.NewReader(b), int64(len(b)), Limits{}); !errors.Is(err, ErrArrow) {
			t.Errorf("%s: %v, want ErrArrow", name, err)
		}
	}
}

func FuzzArrow(f *testing.F) {
	f.Add(arrowStream(false, "x", 1, 2))
	f.Add(arrowStream(true, "", 7))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseArrow(bytes.NewReader(b), int64(len(b)), Limits{FooterBytes: 1 << 16, MaxBatches: 1000})
		if err == nil && len(m.Columns) > m.ColumnCount {
			t.Fatalf("inconsistent %+v", m)
		}
	})
}
