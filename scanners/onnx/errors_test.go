package onnx

import (
	"bytes"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
)

type errCase struct {
	name string
	in   []byte
	off  int64
	msg  string
}

// ir is the ir_version field that opens most test models.
var ir = msg(nil).varint(modelIRVersion, 8)

// nested returns a model whose graph nests n If subgraphs.
func nested(n int) []byte {
	g := graph(nil)
	for range n {
		g = graph([]msg{node("", "If", attrGraph("then_branch", g))})
	}
	return model(g)
}

func errCases() []errCase {
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	// A graph whose only node claims 50 bytes but the graph holds 4, with
	// more bytes after the graph.
	shortGraph := cat(ir, []byte{0x3a, 4, 0x0a, 50, 0, 0}, msg(nil).str(modelDocString, strings.Repeat("d", 60)))
	return []errCase{
		{"empty file", nil, 0, "file is empty"},
		{"no ir_version", msg(nil).sub(modelGraph, graph(nil)), 0, "ModelProto has no ir_version"},
		{"graph length past EOF", cat(ir, []byte{0x3a, 0xc0, 0x84, 0x3d}), 3,
			"field 7: length 1000000 exceeds the 0 bytes remaining in its message"},
		{"node length past its graph", shortGraph, 5, "field 1: length 50 exceeds the 2 bytes remaining in its message"},
		{"raw_data length past its tensor", model(graph(nil, appendLen(msg(nil).str(tensorName, "W"), tensorRawData, 1<<40))), 19,
			"field 9: length 1099511627776 exceeds the 0 bytes remaining in its message"},
		{"truncated varint", cat(ir, []byte{0x28, 0x80}), 3, "varint runs past the end of its message"},
		{"overlong varint", cat(ir, []byte{0x28}, bytes.Repeat([]byte{0xff}, 10), []byte{1}), 3, "invalid varint"},
		{"truncated tag", cat(ir, []byte{0x80}), 2, "varint runs past the end of its message"},
		{"field number 0", cat(ir, []byte{0x02, 0}), 2, "invalid field number 0"},
		{"wire type 6", cat(ir, []byte{0x0e}), 2, "field 1: invalid wire type 6"},
		{"end group without start", cat(ir, []byte{0x0c}), 2, "field 1: end of group without a start"},
		{"group not closed", cat(ir, []byte{0x9b, 0x06, 0x08, 0x01}), 6, "group 99 is not closed before the end of its message"},
		{"group closed by another", cat(ir, []byte{0x9b, 0x06, 0x14}), 4, "group 99 closed by end of group 2"},
		{"fixed32 past the end", cat(ir, []byte{0x9d, 0x06, 1, 2}), 4, "field 99: 4-byte value runs past the end of its message"},
		{"fixed64 past the end", cat(ir, []byte{0x99, 0x06, 1, 2, 3}), 4, "field 99: 8-byte value runs past the end of its message"},
		{"too deep", nested(40), -1, "messages nested more than 100 deep"},
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range errCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(bytes.NewReader(tc.in), int64(len(tc.in)), DefaultLimits())
			scantest.WantFormatError(t, err, format, tc.msg, tc.off)
		})
	}
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
	}{
		{"unknown fields of every wire type", model(graph(nil), func(m msg) msg {
			m = m.varint(99, 1).str(98, "x")
			m = append(m, 0x9d, 0x06, 1, 2, 3, 4) // field 99 fixed32
			m = append(m, 0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8)
			return append(m, 0x9b, 0x06, 0x08, 0x01, 0x9c, 0x06) // group 99 {1: 1}
		})},
		{"packed dims", model(graph(nil, msg(nil).bytes(tensorDims, []byte{2, 3}).str(tensorName, "W")))},
		{"nesting within the limit", nested(30)},
		{"fields with unexpected wire types are skipped", model(graph(nil), func(m msg) msg {
			return m.str(modelIRVersion, "x").varint(modelGraph, 3)
		})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Parse(bytes.NewReader(tc.in), int64(len(tc.in)), DefaultLimits()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
