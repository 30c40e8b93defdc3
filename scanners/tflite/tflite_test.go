package tflite

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
	"github.com/seed-43c89ce6/aibom/scanners"
)

func TestRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		extra []tbl
		want  []string
	}{
		{"builtins only", nil, nil},
		{"custom op", []tbl{opcode(32, "MyOp")}, []string{"TFLITE-CUSTOM-OP medium MyOp"}},
		{"flex ReadFile", []tbl{opcode(32, "FlexReadFile")}, []string{"TFLITE-FLEX-OP critical ReadFile"}},
		{"flex PyFunc", []tbl{opcode(32, "FlexPyFunc")}, []string{"TFLITE-FLEX-OP critical PyFunc"}},
		{"flex SaveV2", []tbl{opcode(32, "FlexSaveV2")}, []string{"TFLITE-FLEX-OP critical SaveV2"}},
		{"flex standard", []tbl{opcode(32, "FlexErf")}, []string{"TFLITE-FLEX-OP medium Erf"}},
		{"flex unknown", []tbl{opcode(32, "FlexNotAnOp")}, []string{"TFLITE-FLEX-OP medium NotAnOp"}},
		{"bare Flex", []tbl{opcode(32, "Flex")}, []string{"TFLITE-CUSTOM-OP medium Flex"}},
		{"builtin past 127", []tbl{opcode(150, "")}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fs, err := scan(t, flatbuffer(modelT(c.extra...)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.Rule+" "+f.Severity.String()+" "+f.Global)
				if f.Offset <= 0 || f.ATLAS == "" || f.Message == "" {
					t.Errorf("incomplete finding %+v", f)
				}
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	t.Parallel()
	in := flatbuffer(modelT(opcode(150, ""), opcode(32, "MyOp")))
	m, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := &Model{Version: 3, Description: "test model", Buffers: 2, Metadata: []string{"min_runtime_version"},
		Ops: map[string]int{"FULLY_CONNECTED": 1, "ADD": 1, "GELU": 1, "MyOp": 1},
		Subgraphs: []Subgraph{{Name: "main", Tensors: 4, Operators: 4,
			Inputs:  []Tensor{{Index: 0, Name: "x", Type: "FLOAT32", Shape: []int32{1, 4}}},
			Outputs: []Tensor{{Index: 3, Name: "y", Type: "FLOAT32", Shape: []int32{1, 2}}}}}}
	if diff := cmp.Diff(want, m, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "OpCodes" }, cmp.Ignore())); diff != "" {
		t.Errorf("model (-want +got):\n%s", diff)
	}
	if len(m.OpCodes) != 4 || m.OpCodes[2].Builtin != 150 || m.OpCodes[3].Name() != "MyOp" || m.OpCodes[0].Version != 1 {
		t.Errorf("op codes %+v", m.OpCodes)
	}
	b, err := os.ReadFile("testdata/benign.tflite")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := Parse(bytes.NewReader(b), int64(len(b)), DefaultLimits()); err != nil || m.Ops["ADD"] != 1 {
		t.Errorf("benign.tflite: %v %v", m, err)
	}
}

// rootVtable returns the positions of the root table and its vtable.
func rootVtable(b []byte) (int, int) {
	pos := int(binary.LittleEndian.Uint32(b))
	return pos, pos - int(int32(binary.LittleEndian.Uint32(b[pos:])))
}

func TestErrors(t *testing.T) {
	t.Parallel()
	good := flatbuffer(modelT())
	patch := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	pos, vt := rootVtable(good)
	le := binary.LittleEndian
	cases := []struct {
		name string
		in   []byte
		lim  Limits
		msg  string
		off  int64
	}{
		{"too short", good[:7], Limits{}, "too few", 0},
		{"identifier", patch(func(b []byte) { copy(b[4:], "TFL2") }), Limits{}, "file identifier", 4},
		{"root past end", patch(func(b []byte) { le.PutUint32(b, uint32(len(b))) }), Limits{}, "past the end", 0},
		{"vtable outside", patch(func(b []byte) { le.PutUint32(b[pos:], 1<<30) }), Limits{}, "vtable at", int64(pos)},
		{"odd vtable size", patch(func(b []byte) { le.PutUint16(b[vt:], 5) }), Limits{}, "bad vtable size", int64(vt)},
		{"table too long", patch(func(b []byte) { le.PutUint16(b[vt+2:], 0xffff) }), Limits{}, "runs past the end", int64(vt)},
		{"field outside table", patch(func(b []byte) { le.PutUint16(b[vt+4:], 0x1000) }), Limits{}, "outside its", int64(vt + 4)},
		{"truncated", good[:len(good)/2], Limits{}, "past the end", -1},
		{"opcode index", flatbuffer(func() tbl {
			m := modelT()
			sub := m[2].child.(tvec)[0].(tbl)
			sub[3] = ref(tvec{tbl{u32(7)}})
			return m
		}()), Limits{}, "opcode_index 7 of 2", -1},
		{"tensor index", flatbuffer(func() tbl {
			m := modelT()
			m[2].child.(tvec)[0].(tbl)[1] = ref(ivec{9})
			return m
		}()), Limits{}, "tensor index 9 out of range", -1},
		{"buffer outside file", flatbuffer(func() tbl {
			m := modelT()
			m[4] = ref(tvec{tbl{}, tbl{{}, u64(1 << 20), u64(8)}})
			return m
		}()), Limits{}, "buffer 1", -1},
		{"version", flatbuffer(func() tbl { m := modelT(); m[0] = u32(2); return m }()), Limits{}, "schema version 2", int64(pos)},
		{"too many op codes", good, Limits{MaxOpCodes: 1}, "2 operator codes, more than 1", -1},
		{"too many operators", good, Limits{MaxOperators: 1}, "more than 1 operators", -1},
		{"too many subgraphs", flatbuffer(func() tbl { m := modelT(); m[2] = ref(tvec{tbl{}, tbl{}}); return m }()),
			Limits{MaxSubgraphs: 1}, "2 subgraphs, more than 1", -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse(bytes.NewReader(c.in), int64(len(c.in)), c.lim)
			if m != nil {
				t.Fatalf("Parse = %v, %v; want no model with its error", m, err)
			}
			scantest.WantFormatError(t, err, "tflite", c.msg, c.off)
		})
	}
}

func TestVectorLength(t *testing.T) {
	t.Parallel()
	good := flatbuffer(modelT())
	pos, vt := rootVtable(good)
	b := bytes.Clone(good)
	field := pos + int(binary.LittleEndian.Uint16(b[vt+6:]))
	vec := field + int(binary.LittleEndian.Uint32(b[field:]))
	binary.LittleEndian.PutUint32(b[vec:], 1<<30)
	_, err := Parse(bytes.NewReader(b), int64(len(b)), DefaultLimits())
	var fe *scanners.FormatError
	if !errors.As(err, &fe) || fe.Offset != int64(vec) || !strings.Contains(fe.Msg, "vector of 1073741824") {
		t.Fatalf("error %v, want a vector length error at %d", err, vec)
	}
}

func TestPartialFindings(t *testing.T) {
	t.Parallel()
	in := flatbuffer(func() tbl {
		m := modelT(opcode(32, "FlexWriteFile"))
		m[2].child.(tvec)[0].(tbl)[1] = ref(ivec{9})
		return m
	}())
	fs, err := scan(t, in)
	if err == nil || len(fs) != 1 || fs[0].Global != "WriteFile" {
		t.Fatalf("findings %v, error %v; want WriteFile and an error", fs, err)
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	s := New()
	good := flatbuffer(modelT())
	if !s.Match(scanners.File{}, good) || !s.Match(scanners.File{}, good[:8]) {
		t.Error("Match rejected a TFLite model")
	}
	if s.Match(scanners.File{}, good[:7]) || s.Match(scanners.File{}, []byte("\x80\x04\x95TFL2abcd")) {
		t.Error("Match accepted a non-model")
	}
}

func BenchmarkParse(b *testing.B) {
	var codes []tbl
	for i := range 200 {
		codes = append(codes, opcode(int32(i%150), ""))
	}
	in := flatbuffer(modelT(codes...))
	r := bytes.NewReader(in)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(r, int64(len(in)), DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}
