package gguf

import (
	"encoding/binary"
	"math"
)

// gw writes GGUF bytes by hand.
type gw struct {
	b  []byte
	v1 bool
}

// newGW writes the header of a file of the given version and counts.
func newGW(version uint32, nTensors, nKV uint64) *gw {
	g := &gw{b: []byte(magic), v1: version == 1}
	g.u32(version)
	g.n(nTensors)
	g.n(nKV)
	return g
}

func (g *gw) pos() int64      { return int64(len(g.b)) }
func (g *gw) u8(v uint8)      { g.b = append(g.b, v) }
func (g *gw) u32(v uint32)    { g.b = binary.LittleEndian.AppendUint32(g.b, v) }
func (g *gw) u64(v uint64)    { g.b = binary.LittleEndian.AppendUint64(g.b, v) }
func (g *gw) raw(s string)    { g.b = append(g.b, s...) }
func (g *gw) zeros(n int)     { g.b = append(g.b, make([]byte, n)...) }
func (g *gw) typ(t ValueType) { g.u32(uint32(t)) }

// n writes a count or length: u32 in v1, u64 since.
func (g *gw) n(v uint64) {
	if g.v1 {
		g.u32(uint32(v))
		return
	}
	g.u64(v)
}

func (g *gw) str(s string) {
	g.n(uint64(len(s)))
	g.raw(s)
}

// arr is an array value for kv.
type arr struct {
	et    ValueType
	elems []any
}

// kv writes a key and a typed value.
func (g *gw) kv(key string, v any) {
	g.str(key)
	g.value(v, true)
}

// value writes v, preceded by its type when typed.
func (g *gw) value(v any, typed bool) {
	t := func(vt ValueType) {
		if typed {
			g.typ(vt)
		}
	}
	switch x := v.(type) {
	case string:
		t(TypeString)
		g.str(x)
	case uint8:
		t(TypeUint8)
		g.u8(x)
	case bool:
		t(TypeBool)
		g.u8(map[bool]uint8{true: 1}[x])
	case uint32:
		t(TypeUint32)
		g.u32(x)
	case int32:
		t(TypeInt32)
		g.u32(uint32(x))
	case uint64:
		t(TypeUint64)
		g.u64(x)
	case int64:
		t(TypeInt64)
		g.u64(uint64(x))
	case float32:
		t(TypeFloat32)
		g.u32(math.Float32bits(x))
	case float64:
		t(TypeFloat64)
		g.u64(math.Float64bits(x))
	case arr:
		t(TypeArray)
		g.typ(x.et)
		g.n(uint64(len(x.elems)))
		for _, e := range x.elems {
			g.value(e, false)
		}
	default:
		panic("test bug: unsupported value")
	}
}

// tensor writes a tensor info.
func (g *gw) tensor(name string, t GGMLType, off uint64, dims ...uint64) {
	g.str(name)
	g.u32(uint32(len(dims)))
	for _, d := range dims {
		g.n(d)
	}
	g.u32(uint32(t))
	g.u64(off)
}

// pad zero-pads to a multiple of a.
func (g *gw) pad(a int) {
	for len(g.b)%a != 0 {
		g.b = append(g.b, 0)
	}
}

// tspec is a tensor for build.
type tspec struct {
	name string
	typ  GGMLType
	dims []uint64
}

// tensorBytes is the size of a tensor of type t and shape dims.
func tensorBytes(t GGMLType, dims []uint64) uint64 {
	n := uint64(1)
	for _, d := range dims {
		n *= d
	}
	return n / t.BlockSize() * t.TypeSize()
}

// build writes a valid file of the given version: the key/values (in
// order), the tensors laid out back to back with 32-byte alignment, and
// data bytes that count up.
func build(version uint32, kvs [][2]any, ts ...tspec) []byte {
	g := newGW(version, uint64(len(ts)), uint64(len(kvs)))
	for _, kv := range kvs {
		g.kv(kv[0].(string), kv[1])
	}
	var off uint64
	for _, t := range ts {
		g.tensor(t.name, t.typ, off, t.dims...)
		off += (tensorBytes(t.typ, t.dims) + 31) / 32 * 32
	}
	if len(ts) > 0 {
		g.pad(32)
	}
	for i := range off {
		g.u8(byte(i))
	}
	return g.b
}

// llama3 is Llama 3's chat template.
const llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"

// model writes a small valid model whose metadata resembles a real one,
// with the given extra key/values.
func model(extra ...[2]any) []byte {
	kvs := [][2]any{
		{"general.architecture", "llama"},
		{"general.name", "Tiny Llama"},
		{"general.license", "apache-2.0"},
		{"general.file_type", uint32(7)},
		{"general.quantization_version", uint32(2)},
		{"general.base_model.count", uint32(1)},
		{"general.base_model.0.name", "Base"},
		{"general.base_model.0.repo_url", "https://huggingface.co/org/base"},
		{"general.dataset.0.name", "Data"},
		{"general.datasets", arr{TypeString, []any{"org/extra-data"}}},
		{"llama.context_length", uint32(2048)},
		{"llama.rope.freq_base", float32(10000)},
		{"tokenizer.ggml.model", "gpt2"},
		{"tokenizer.ggml.tokens", arr{TypeString, []any{"<s>", "</s>", "a"}}},
		{"tokenizer.ggml.token_type", arr{TypeInt32, []any{int32(3), int32(3), int32(1)}}},
		{"tokenizer.ggml.add_bos_token", true},
		{"tokenizer.chat_template", llama3},
	}
	return build(3, append(kvs, extra...),
		tspec{"token_embd.weight", 8, []uint64{32, 3}},
		tspec{"output_norm.weight", 0, []uint64{32}})
}
