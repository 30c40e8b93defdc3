package safetensors

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// A valid tensor entry to build headers around.
const (
	tA = `"a":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}`
	tB = `"b":{"dtype":"U8","shape":[4],"data_offsets":[16,20]}`
)

type errCase struct {
	name string
	in   []byte
	off  int64
	msg  string
}

// hdrCase is an errCase for a file made by file(hdr, data) whose error is
// at the first sub in hdr (or at the header start when sub is empty).
func hdrCase(name, hdr string, data int, sub, msg string) errCase {
	off := int64(lengthSize)
	if sub != "" {
		off = at(hdr, sub)
	}
	return errCase{name, file(hdr, data), off, msg}
}

// dataCase is an errCase for a file made by file(hdr, data) whose error is
// at data offset pos.
func dataCase(name, hdr string, data int, pos int64, msg string) errCase {
	return errCase{name, file(hdr, data), lengthSize + int64(len(hdr)) + pos, msg}
}

// endCase is an errCase for a header hdr, with no data, whose error is at
// its end.
func endCase(name, hdr, msg string) errCase {
	return errCase{name, file(hdr, 0), lengthSize + int64(len(hdr)), msg}
}

func lengthCases() []errCase {
	return []errCase{
		{"empty file", nil, 0, "file is 0 bytes, too short for the 8-byte header length"},
		{"short file", []byte{2, 0, 0}, 0, "file is 3 bytes, too short for the 8-byte header length"},
		{"zero header length", withLen(0, "{}"), 0, "header length is 0"},
		{"header length over the limit", withLen(100_000_001, "{}"), 0, "header length 100000001 exceeds the limit of 100000000 bytes"},
		{"header length 2^64-1", withLen(1<<64-1, "{}"), 0, "header length 18446744073709551615 exceeds the limit of 100000000 bytes"},
		{"reference: header too large", append(withLen(0xffffff000000003c, tA), make([]byte, 16)...), 0,
			"header length 18446742974197923900 exceeds the limit of 100000000 bytes"},
		{"header length past the end", withLen(10, "{}"), 0, "header length 10 exceeds the 2 bytes after the length field"},
		{"reference: invalid header length", withLen(60, ""), 0, "header length 60 exceeds the 0 bytes after the length field"},
	}
}

func textCases() []errCase {
	return []errCase{
		hdrCase("leading space", ` {}`, 0, "", `header starts with ' ', not '{'`),
		hdrCase("array header", `[]`, 0, "", `header starts with '[', not '{'`),
		hdrCase("reference: not UTF-8", "\xff", 0, "", `header starts with 'ÿ', not '{'`),
		hdrCase("invalid UTF-8 in a name", "{\"a\xff\":1}", 0, "\xff", "header is not valid UTF-8"),
		hdrCase("truncated UTF-8 at the end", "{}\xe2\x82", 0, "\xe2", "header is not valid UTF-8"),
		hdrCase("lone high surrogate", `{"x\ud800":1}`, 0, `\ud800`, `string escape \ud800 is a lone UTF-16 surrogate`),
		hdrCase("lone low surrogate", `{"\uDC00":1}`, 0, `\uDC00`, `string escape \uDC00 is a lone UTF-16 surrogate`),
		hdrCase("high surrogate then a letter", `{"\ud800\u0041":1}`, 0, `\ud800`, `string escape \ud800 is a lone UTF-16 surrogate`),
		endCase("reference: not JSON", `{`, "invalid JSON: header ends inside the object"),
		endCase("truncated", `{"a":{"dtype"`, "invalid JSON: header ends inside the object"),
		endCase("truncated metadata", `{"__metadata__":{"a":"b"`, "invalid JSON: header ends inside the object"),
		hdrCase("trailing comma", `{"__metadata__":{"a":"b",}}`, 0, "}}", "invalid JSON: invalid character '}' looking for beginning of object key string"),
		hdrCase("missing colon", `{"__metadata__" {}}`, 0, "{}}", "invalid JSON: invalid character '{' after object key"),
		hdrCase("bad literal", `{"__metadata__":{"a":nul}}`, 0, "nul", "invalid JSON: invalid character '}' in literal null (expecting 'l')"),
		hdrCase("single quotes", `{'a':1}`, 0, "'", `invalid JSON: invalid character '\''`),
		hdrCase("garbage after the object", `{} x`, 0, "x", `header has 'x' after the JSON object, not only whitespace padding`),
		hdrCase("second value", `{}[]`, 0, "[", `header has '[' after the JSON object, not only whitespace padding`),
		hdrCase("NUL padding", "{}\x00", 0, "\x00", `header has '\x00' after the JSON object, not only whitespace padding`),
	}
}

func keyCases() []errCase {
	deep := strings.Repeat("[", 126) + strings.Repeat("]", 126)
	return []errCase{
		hdrCase("duplicate tensor", `{`+tA+`,`+tA+`}`, 16, `"a":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}`, `duplicate key "a"`),
		hdrCase("duplicate metadata", `{"__metadata__":{},"__metadata__":{}}`, 0, `"__metadata__":{}}`, `duplicate key "__metadata__"`),
		hdrCase("tensor is an array", `{"a":[]}`, 0, "[", `tensor "a" must be an object, not an array`),
		hdrCase("tensor is null", `{"a":null}`, 0, "null", `tensor "a" must be an object, not null`),
		hdrCase("metadata is null", `{"__metadata__":null}`, 0, "null", `__metadata__ must be an object of strings, not null`),
		hdrCase("metadata is a string", `{"__metadata__":"x"}`, 0, `"x"`, `__metadata__ must be an object of strings, not a string`),
		hdrCase("metadata value is a number", `{"__metadata__":{"a":1}}`, 0, "1", `__metadata__: value of "a" must be a string, not a number`),
		hdrCase("metadata value is an object", `{"__metadata__":{"a":{}}}`, 0, "{}", `__metadata__: value of "a" must be a string, not an object`),
		hdrCase("duplicate metadata key", `{"__metadata__":{"a":"1","a":"2"}}`, 0, `"a":"2"`, `__metadata__: duplicate key "a"`),
		hdrCase("missing dtype", `{"a":{"shape":[],"data_offsets":[0,0]}}`, 0, `"a"`, `tensor "a" has no "dtype"`),
		hdrCase("missing shape", `{"a":{"dtype":"U8","data_offsets":[0,0]}}`, 0, `"a"`, `tensor "a" has no "shape"`),
		hdrCase("missing data_offsets", `{"a":{"dtype":"U8","shape":[]}}`, 0, `"a"`, `tensor "a" has no "data_offsets"`),
		hdrCase("duplicate dtype", `{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 1, `"dtype":"U8","shape"`, `tensor "a": duplicate key "dtype"`),
		hdrCase("duplicate unknown field", `{"a":{"x":1,"x":1}}`, 0, `"x":1}`, `tensor "a": duplicate key "x"`),
		hdrCase("duplicate key inside an unknown field", `{"a":{"x":{"k":1,"k":2}}}`, 0, `"k":2`, `duplicate key "k"`),
		hdrCase("nested deeper than 128", `{"a":{"x":[`+deep+`]}}`, 0, "[]", `JSON nested deeper than 128 levels`),
	}
}

func fieldCases() []errCase {
	rank := "[" + strings.Repeat("1,", maxRank) + "1]"
	return []errCase{
		hdrCase("dtype is a number", `{"a":{"dtype":1}}`, 0, "1", `tensor "a": dtype must be a string, not a number`),
		hdrCase("dtype is an object", `{"a":{"dtype":{"F32":null}}}`, 0, `{"F32"`, `tensor "a": dtype must be a string, not an object`),
		hdrCase("unknown dtype", `{"a":{"dtype":"F128"}}`, 0, `"F128"`, `tensor "a": unknown dtype "F128"`),
		hdrCase("lower-case dtype", `{"a":{"dtype":"f32"}}`, 0, `"f32"`, `tensor "a": unknown dtype "f32"`),
		hdrCase("shape is a number", `{"a":{"shape":4}}`, 0, "4", `tensor "a": shape must be an array, not a number`),
		hdrCase("negative dimension", `{"a":{"shape":[-1]}}`, 0, "-1", `tensor "a": shape entry -1 is not a non-negative integer`),
		hdrCase("negative zero", `{"a":{"shape":[-0]}}`, 0, "-0", `tensor "a": shape entry -0 is not a non-negative integer`),
		hdrCase("fractional dimension", `{"a":{"shape":[1.0]}}`, 0, "1.0", `tensor "a": shape entry 1.0 is not a non-negative integer`),
		hdrCase("exponent", `{"a":{"shape":[1e2]}}`, 0, "1e2", `tensor "a": shape entry 1e2 is not a non-negative integer`),
		hdrCase("dimension as a string", `{"a":{"shape":["1"]}}`, 0, `"1"`, `tensor "a": shape must hold integers, not a string`),
		hdrCase("nested shape", `{"a":{"shape":[[1]]}}`, 0, "[1]", `tensor "a": shape must hold integers, not an array`),
		hdrCase("dimension over 64 bits", `{"a":{"shape":[18446744073709551616]}}`, 0, "184", `tensor "a": shape entry 18446744073709551616 does not fit in 64 bits`),
		hdrCase("rank over the bound", `{"a":{"shape":`+rank+`}}`, 0, "[", `tensor "a": shape has more than 1024 entries`),
		hdrCase("one offset", `{"a":{"data_offsets":[0]}}`, 0, "[", `tensor "a": data_offsets must hold 2 numbers, not 1`),
		hdrCase("three offsets", `{"a":{"data_offsets":[0,1,2]}}`, 0, "[", `tensor "a": data_offsets has more than 2 entries`),
		hdrCase("offsets are an object", `{"a":{"data_offsets":{}}}`, 0, "{}", `tensor "a": data_offsets must be an array, not an object`),
		hdrCase("negative offset", `{"a":{"data_offsets":[0,-4]}}`, 0, "-4", `tensor "a": data_offsets entry -4 is not a non-negative integer`),
	}
}

func layoutCases() []errCase {
	attack := "{" + strings.Repeat(`"w0":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},`, 1)
	for _, n := range "123456789" {
		attack += `"w` + string(n) + `":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},`
	}
	attack = strings.TrimSuffix(attack, ",") + "}"
	return []errCase{
		hdrCase("reference: JSON attack", attack, 16, `[0,16]},"w2"`, `tensor "w1" begins at data offset 0, inside the previous tensor, which ends at 16`),
		hdrCase("overlap", `{`+tA+`,"b":{"dtype":"U8","shape":[4],"data_offsets":[12,16]}}`, 16, `[12`, `tensor "b" begins at data offset 12, inside the previous tensor, which ends at 16`),
		hdrCase("gap", `{`+tA+`,"b":{"dtype":"U8","shape":[4],"data_offsets":[20,24]}}`, 24, `[20`, `tensor "b" begins at data offset 20, leaving a gap after data offset 16`),
		hdrCase("first tensor not at 0", `{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}`, 8, `[4,8]`, `tensor "a" begins at data offset 4, leaving a gap after data offset 0`),
		hdrCase("end before begin", `{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[4,0]}}`, 4, `[4,0]`, `tensor "b" ends at data offset 0, before it begins at 4`),
		hdrCase("reference: invalid info", `{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0, 4]}}`, 0, `[0, 4]`, `tensor "test": shape [2 2] of I32 takes 16 bytes, but data_offsets [0, 4] span 4`),
		hdrCase("reference: element count overflow", `{"test":{"dtype":"I32","shape":[2,18446744073709551614],"data_offsets":[0,16]}}`, 16, `[2,`, `tensor "test": element count of shape [2 18446744073709551614] overflows 64 bits`),
		hdrCase("overflow before a zero", `{"a":{"dtype":"U8","shape":[18446744073709551615,2,0],"data_offsets":[0,0]}}`, 0, `[18`, `tensor "a": element count of shape [18446744073709551615 2 0] overflows 64 bits`),
		hdrCase("reference: bit count overflow", `{"test":{"dtype":"I32","shape":[2,9223372036854775807],"data_offsets":[0,16]}}`, 16, `[2,`, `tensor "test": size in bits of 18446744073709551614 I32 elements overflows 64 bits`),
		hdrCase("F4 odd count", `{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, 2, `[3]`, `tensor "a": 3 F4 elements take 12 bits, not a whole number of bytes`),
		hdrCase("F6 single element", `{"a":{"dtype":"F6_E3M2","shape":[1],"data_offsets":[0,1]}}`, 1, `[1]`, `tensor "a": 1 F6_E3M2 elements take 6 bits, not a whole number of bytes`),
		dataCase("reference: extra data (polyglot)", `{`+tA+`}`, 20, 16, "the last 4 bytes of the data buffer belong to no tensor"),
		hdrCase("reference: missing data", `{`+tA+`}`, 14, `[0,16]`, `tensor "a" ends at data offset 16, past the end of the 14-byte data buffer`),
		dataCase("data but no tensors", `{}`, 3, 0, "the last 3 bytes of the data buffer belong to no tensor"),
		hdrCase("last tensor past the end", `{`+tA+`,`+tB+`}`, 18, `[16,20]`, `tensor "b" ends at data offset 20, past the end of the 18-byte data buffer`),
		hdrCase("offset over 64 bits", `{"a":{"data_offsets":[0,18446744073709551616]}}`, 0, "184", `tensor "a": data_offsets entry 18446744073709551616 does not fit in 64 bits`),
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	var tests []errCase
	for _, cs := range [][]errCase{lengthCases(), textCases(), keyCases(), fieldCases(), layoutCases()} {
		tests = append(tests, cs...)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := parse(tt.in, DefaultLimits())
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", h)
			}
			want := &scanners.FormatError{Format: "safetensors", Offset: tt.off, Msg: tt.msg}
			if diff := cmp.Diff(want, err); diff != "" {
				t.Errorf("Parse error (-want +got):\n%s", diff)
			}
		})
	}
}
