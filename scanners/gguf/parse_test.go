package gguf

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/internal/scantest"
)

func TestParseModel(t *testing.T) {
	t.Parallel()
	in := model()
	f, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		Arch, Name, License, FT, Tok string
		Params, Ctx                  uint64
		Bases, Datasets              []Source
		Types                        map[string]int
		Templates                    int
	}{f.Architecture, f.Name, f.License, f.FileTypeName, f.TokenizerModel, f.ParameterCount, f.ContextLength,
		f.BaseModels, f.Datasets, f.TensorTypes, len(f.ChatTemplates)}
	want := struct {
		Arch, Name, License, FT, Tok string
		Params, Ctx                  uint64
		Bases, Datasets              []Source
		Types                        map[string]int
		Templates                    int
	}{"llama", "Tiny Llama", "apache-2.0", "MOSTLY_Q8_0", "gpt2", 32*3 + 32, 2048,
		[]Source{{Name: "Base", RepoURL: "https://huggingface.co/org/base"}},
		[]Source{{Name: "Data"}, {Name: "org/extra-data"}},
		map[string]int{"Q8_0": 1, "F32": 1}, 1}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}
	ct := f.ChatTemplates[0]
	if ct.Text != llama3 || ct.Key != "tokenizer.chat_template" || ct.Name != "" || len(ct.SHA256) != 64 {
		t.Errorf("template %+v", ct)
	}
	if string(in[ct.Offset:ct.Offset+10]) != llama3[:10] {
		t.Errorf("template offset %d points at %q", ct.Offset, in[ct.Offset:ct.Offset+10])
	}
	if f.Tensors[0].Size != 3*34 || f.Tensors[1].Offset != 128 || f.DataOffset%32 != 0 {
		t.Errorf("tensors %+v, data at %d", f.Tensors, f.DataOffset)
	}
}

func TestParseVersions(t *testing.T) {
	t.Parallel()
	all := [][2]any{
		{"a.u8", uint8(1)}, {"a.bool", false}, {"a.u32", uint32(3)}, {"a.i32", int32(-3)},
		{"a.u64", uint64(1 << 40)}, {"a.i64", int64(-1)}, {"a.f32", float32(1.5)}, {"a.f64", 2.5},
		{"a.str", "x"}, {"a.nested", arr{TypeArray, []any{arr{TypeUint8, []any{uint8(1)}}}}},
		{"general.alignment", uint32(64)},
	}
	for _, v := range []uint32{1, 2, 3} {
		in := build(v, all[:len(all)-1], tspec{"t", 30, []uint64{2, 2}})
		f, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits())
		if err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		if f.Version != v || len(f.Metadata) != len(all)-1 || f.Tensors[0].Size != 8 {
			t.Errorf("v%d: %+v", v, f)
		}
		if x, _ := f.Lookup("a.i32"); x.Int != -3 {
			t.Errorf("v%d: i32 %+v", v, x)
		}
	}
	g := newGW(3, 1, 1)
	g.kv("general.alignment", uint32(64))
	g.tensor("t", 0, 0, 4)
	g.pad(64)
	g.zeros(16)
	f, err := Parse(bytes.NewReader(g.b), g.pos(), Limits{})
	if err != nil || f.Alignment != 64 || f.DataOffset != 128 {
		t.Fatalf("alignment 64: %v %+v", err, f)
	}
}

type errCase struct {
	name string
	in   []byte
	off  int64
	msg  string
}

// at builds a file with g: prefix, then rest, which starts at the
// returned offset.
func at(g *gw, prefix func(*gw), rest func(*gw)) ([]byte, int64) {
	if prefix != nil {
		prefix(g)
	}
	p := g.pos()
	if rest != nil {
		rest(g)
	}
	return g.b, p
}

// with runs fn on g and returns its bytes.
func (g *gw) with(fn func(*gw)) []byte {
	fn(g)
	return g.b
}

// prefixed rebuilds c's file from its header: prefix, then the error at
// the start of rest.
func (c errCase) prefixed(prefix, rest func(*gw)) errCase {
	hdr := 24
	g := &gw{b: append([]byte(nil), c.in[:hdr]...)}
	prefix(g)
	c.off = g.pos()
	rest(g)
	c.in = g.b
	return c
}

func headerCases() []errCase {
	v := func(ver uint32) []byte {
		return append([]byte("GGUF"), byte(ver), byte(ver>>8), byte(ver>>16), byte(ver>>24))
	}
	hugeKV := newGW(3, 0, 1<<60)
	manyKV := newGW(3, 0, 1000)
	hugeT := newGW(3, 1<<60, 0)
	return []errCase{
		{"empty", nil, 0, "too short for the magic"},
		{"bad magic", []byte("GGML\x03\x00\x00\x00"), 0, `bad magic "GGML"`},
		{"version 0", v(0), 4, "version 0"},
		{"version 4", v(4), 4, "unsupported version 4"},
		{"big-endian", v(3 << 24), 4, "big-endian"},
		{"truncated counts", v(3), 8, "tensor count: 8 bytes needed, 0 remain"},
		{"kv count 2^60", hugeKV.b, 16, "metadata count 1152921504606846976 exceeds the limit"},
		{"kv count past EOF", manyKV.b, 16, "metadata count 1000 needs at least 13 bytes each, but only 0 bytes remain"},
		{"tensor count 2^60", hugeT.b, 8, "tensor count 1152921504606846976 exceeds the limit"},
	}
}

func kvCases() []errCase {
	c := func(name, msg string, n uint64, mark, rest func(*gw)) errCase {
		in, off := at(newGW(3, 0, n), mark, rest)
		return errCase{name, in, off, msg}
	}
	nested := func(depth int) any {
		var v any = uint8(1)
		for range depth {
			v = arr{TypeArray, []any{v}}
		}
		return arr{TypeArray, []any{v}}
	}
	return []errCase{
		c("key length 2^40", "key length 1099511627776 exceeds the limit", 1, nil, func(g *gw) { g.u64(1 << 40); g.zeros(16) }),
		c("key past EOF", "key length 100 exceeds the 13 bytes that remain", 1, nil, func(g *gw) { g.u64(100); g.raw("abcdefghijklm") }),
		c("string value past EOF", "string value of k length 50 exceeds the 2 bytes", 1,
			func(g *gw) { g.str("k"); g.typ(TypeString) }, func(g *gw) { g.u64(50); g.raw("ab") }),
		c("empty key", "empty key", 1, nil, func(g *gw) { g.kv("", uint8(1)) }),
		c("duplicate key", `duplicate key "k"`, 2, func(g *gw) { g.kv("k", uint8(1)); g.b = g.b[:0] }, nil).prefixed(func(g *gw) {
			g.kv("k", uint8(1))
		}, func(g *gw) { g.kv("k", uint8(2)) }),
		c("unknown value type", "k has unknown value type 13", 1, func(g *gw) { g.str("k") }, func(g *gw) { g.u32(13); g.u8(0) }),
		c("bool 2", "bool value 2 of k is neither 0 nor 1", 1, func(g *gw) { g.str("k"); g.typ(TypeBool) }, func(g *gw) { g.u8(2) }),
		c("2^40 strings", "array k has 1099511627776 elements, above the limit", 1,
			func(g *gw) { g.str("k"); g.typ(TypeArray); g.typ(TypeString) }, func(g *gw) { g.u64(1 << 40) }),
		c("strings past EOF", "array k has 1000 elements of at least 8 bytes, but only 0 bytes remain", 1,
			func(g *gw) { g.str("k"); g.typ(TypeArray); g.typ(TypeString) }, func(g *gw) { g.u64(1000) }),
		c("unknown element type", "array k has unknown element type 99", 1,
			func(g *gw) { g.str("k"); g.typ(TypeArray) }, func(g *gw) { g.u32(99); g.u64(0) }),
		// The ninth array starts after the key, the first array's type,
		// element type and count, and seven element headers.
		{"nesting", newGW(3, 0, 1).with(func(g *gw) { g.str("k"); g.value(nested(8), true) }), 24 + 9 + 4 + 12 + 7*12,
			"arrays in k nest deeper than 8"},
		c("template type", "tokenizer.chat_template has type u32, want str", 1,
			func(g *gw) { g.str("tokenizer.chat_template") }, func(g *gw) { g.value(uint32(1), true) }),
	}
}

func alignCases() []errCase {
	c := func(name, msg string, v any, typeOff bool) errCase {
		g := newGW(3, 0, 1)
		g.str("general.alignment")
		p := g.pos()
		g.value(v, true)
		if !typeOff {
			p += 4
		}
		return errCase{name, g.b, p, msg}
	}
	return []errCase{
		c("alignment 48", "general.alignment 48 is not a power of two", uint32(48), false),
		c("alignment 0", "general.alignment 0 is not a power of two", uint32(0), false),
		c("alignment 2^31", "general.alignment 2147483648 exceeds the limit of 1048576", uint32(1<<31), false),
		c("alignment u64", "general.alignment has type u64, want u32", uint64(32), true),
	}
}

func tensorCases() []errCase {
	c := func(name, msg string, n uint64, mark, rest func(*gw)) errCase {
		in, off := at(newGW(3, n, 0), mark, rest)
		return errCase{name, in, off, msg}
	}
	info := func(g *gw) { g.str("t") }
	dataLater := func(g *gw) { g.pad(32); g.zeros(64) }
	return []errCase{
		c("5 dims", `tensor "t" has 5 dimensions, more than 4`, 1, func(g *gw) { info(g) }, func(g *gw) { g.u32(5); g.zeros(64) }),
		c("huge dim", `tensor "t" has dimension 9223372036854775808`, 1, func(g *gw) { info(g); g.u32(1) }, func(g *gw) { g.u64(1 << 63); g.zeros(64) }),
		c("element overflow", `tensor "t" has more than 2^63-1 elements`, 1, func(g *gw) { info(g) },
			func(g *gw) { g.u32(2); g.u64(1 << 40); g.u64(1 << 40); g.u32(0); g.u64(0) }),
		c("unknown type", `tensor "t" has unknown ggml type 4`, 1, func(g *gw) { info(g); g.u32(1); g.u64(32) }, func(g *gw) { g.u32(4); g.u64(0) }),
		c("block size", "of type Q4_0 has 16 elements per row, not a multiple of the block size 32", 1,
			func(g *gw) { info(g); g.u32(1); g.u64(16) }, func(g *gw) { g.u32(2); g.u64(0) }),
		c("misaligned", `tensor "t" data offset 8 is not a multiple of the alignment 32`, 1,
			func(g *gw) { info(g); g.u32(1); g.u64(4); g.u32(0) }, func(g *gw) { g.u64(8); dataLater(g) }),
		c("out of bounds", `tensor "t" data [64, 64+16) lies outside the 64-byte data section`, 1,
			func(g *gw) { info(g); g.u32(1); g.u64(4); g.u32(0) }, func(g *gw) { g.u64(64); dataLater(g) }),
		c("offset 2^64-32", "lies outside", 1,
			func(g *gw) { info(g); g.u32(1); g.u64(4); g.u32(0) }, func(g *gw) { g.u64(1<<64 - 32); dataLater(g) }),
		c("overlap", `tensor "u" data at 0 overlaps tensor "t" data [0, 16)`, 2, nil, nil).prefixed(func(g *gw) {
			g.tensor("t", 0, 0, 4)
			g.str("u")
			g.u32(1)
			g.u64(4)
			g.u32(0)
		}, func(g *gw) { g.u64(0); dataLater(g) }),
		c("duplicate name", `duplicate tensor name "t"`, 2, nil, nil).prefixed(func(g *gw) {
			g.tensor("t", 0, 0, 4)
		}, func(g *gw) { g.tensor("t", 0, 32, 4) }),
		{"no data section", newGW(3, 1, 0).with(func(g *gw) { g.tensor("t", 0, 0, 4) }), 57, "past the end"},
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, cs := range [][]errCase{headerCases(), kvCases(), alignCases(), tensorCases()} {
		for _, c := range cs {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				_, err := Parse(bytes.NewReader(c.in), int64(len(c.in)), DefaultLimits())
				scantest.WantFormatError(t, err, "gguf", c.msg, c.off)
			})
		}
	}
}

func TestParseCancelled(t *testing.T) {
	t.Parallel()
	g := newGW(3, 0, 1)
	g.str("k")
	bools := make([]any, 10000)
	for i := range bools {
		bools[i] = false
	}
	g.value(arr{TypeBool, bools}, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := parseContext(ctx, bytes.NewReader(g.b), g.pos(), Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

func BenchmarkParse(b *testing.B) {
	toks := make([]any, 20000)
	for i := range toks {
		toks[i] = "tok" + strings.Repeat("x", i%7)
	}
	in := model([2]any{"tokenizer.ggml.merges", arr{TypeString, toks}})
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyzeTemplate(b *testing.B) {
	src := strings.Repeat(llama3, 20)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		AnalyzeTemplate(src)
	}
}
