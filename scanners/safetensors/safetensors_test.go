package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func parse(b []byte, lim Limits) (*Header, error) {
	return Parse(bytes.NewReader(b), int64(len(b)), lim)
}

// Serialized files from the reference implementation's own tests
// (huggingface/safetensors, safetensors/src/tensor.rs): real outputs of its
// serializer.
var (
	refSerialization = []byte{
		64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
		116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
		58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
		101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
		0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
	}
	refEmpty         = []byte{8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32}
	refEmptyMetadata = []byte{
		40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
		95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
		116, 34, 125, 125, 32, 32, 32, 32, 32,
	}
)

type validCase struct {
	name string
	in   []byte
	// want has HeaderSize 0 for files made by file: the test fills in the
	// sizes the length field gives.
	want *Header
}

func validCases() []validCase {
	u64max := uint64(1<<64 - 1)
	ones := make([]uint64, maxRank)
	for i := range ones {
		ones[i] = 1
	}
	return []validCase{
		{"reference serialization", refSerialization, &Header{
			HeaderSize: 64, DataOffset: 72, DataSize: 24,
			Tensors: []Tensor{{Name: "attn.0", Dtype: F32, Shape: []uint64{1, 2, 3}, End: 24, Elements: 6}},
			Params:  map[Dtype]uint64{F32: 6}, TotalParams: 6,
		}},
		{"reference empty", refEmpty, &Header{HeaderSize: 8, DataOffset: 16, Tensors: []Tensor{}, Params: map[Dtype]uint64{}}},
		{"reference empty with metadata", refEmptyMetadata, &Header{
			HeaderSize: 40, DataOffset: 48, Tensors: []Tensor{}, Params: map[Dtype]uint64{},
			Metadata: map[string]string{"framework": "pt"},
		}},
		{"header fills the file", file(`{}`, 0), &Header{Tensors: []Tensor{}, Params: map[Dtype]uint64{}}},
		{"padded with JSON whitespace", file("{} \t\r\n ", 0), &Header{Tensors: []Tensor{}, Params: map[Dtype]uint64{}}},
		{"whitespace between tokens", file("{ \"a\" :\n{\"dtype\" : \"U8\",\t\"shape\":[ ],\"data_offsets\":[0 , 1]} }", 1), &Header{
			Tensors: []Tensor{{Name: "a", Dtype: U8, Shape: []uint64{}, End: 1, Elements: 1}},
			Params:  map[Dtype]uint64{U8: 1}, TotalParams: 1,
		}},
		{"empty metadata, offsets out of order in the JSON", file(`{"b":{"dtype":"I16","shape":[2],"data_offsets":[4,8]},"__metadata__":{},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, 8), &Header{
			Tensors: []Tensor{
				{Name: "a", Dtype: F32, Shape: []uint64{}, End: 4, Elements: 1},
				{Name: "b", Dtype: I16, Shape: []uint64{2}, Begin: 4, End: 8, Elements: 2},
			},
			Metadata: map[string]string{},
			Params:   map[Dtype]uint64{F32: 1, I16: 2}, TotalParams: 3,
		}},
		{"zero-size tensors share an offset", file(`{"z":{"dtype":"I32","shape":[2,0],"data_offsets":[0,0]},"y":{"dtype":"F4","shape":[0],"data_offsets":[0,0]},"x":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}}`, 2), &Header{
			Tensors: []Tensor{
				{Name: "y", Dtype: F4, Shape: []uint64{0}},
				{Name: "z", Dtype: I32, Shape: []uint64{2, 0}},
				{Name: "x", Dtype: F4, Shape: []uint64{4}, End: 2, Elements: 4},
			},
			Params: map[Dtype]uint64{F4: 4, I32: 0}, TotalParams: 4,
		}},
		{"huge dimension after a zero", file(`{"a":{"dtype":"F64","shape":[0,18446744073709551615],"data_offsets":[0,0]}}`, 0), &Header{
			Tensors: []Tensor{{Name: "a", Dtype: F64, Shape: []uint64{0, u64max}}},
			Params:  map[Dtype]uint64{F64: 0},
		}},
		{"unknown fields are ignored, as by the reference", file(`{"a":{"x":{"y":[1,{"z":null}]},"dtype":"BOOL","shape":[1],"data_offsets":[0,1],"w":true}}`, 1), &Header{
			Tensors: []Tensor{{Name: "a", Dtype: Bool, Shape: []uint64{1}, End: 1, Elements: 1}},
			Params:  map[Dtype]uint64{Bool: 1}, TotalParams: 1,
		}},
		{"nesting at the limit", file(`{"a":{"x":[`+strings.Repeat("[", 125)+strings.Repeat("]", 125)+`],"dtype":"U8","shape":[],"data_offsets":[0,1]}}`, 1), &Header{
			Tensors: []Tensor{{Name: "a", Dtype: U8, Shape: []uint64{}, End: 1, Elements: 1}},
			Params:  map[Dtype]uint64{U8: 1}, TotalParams: 1,
		}},
		{"rank at the bound", file(`{"a":{"dtype":"U8","shape":[`+strings.Repeat("1,", maxRank-1)+`1],"data_offsets":[0,1]}}`, 1), &Header{
			Tensors: []Tensor{{Name: "a", Dtype: U8, Shape: ones, End: 1, Elements: 1}},
			Params:  map[Dtype]uint64{U8: 1}, TotalParams: 1,
		}},
		{"sub-byte dtypes", file(`{"a":{"dtype":"F6_E2M3","shape":[2,2],"data_offsets":[0,3]},"b":{"dtype":"F4","shape":[2],"data_offsets":[3,4]}}`, 4), &Header{
			Tensors: []Tensor{
				{Name: "a", Dtype: F6E2M3, Shape: []uint64{2, 2}, End: 3, Elements: 4},
				{Name: "b", Dtype: F4, Shape: []uint64{2}, Begin: 3, End: 4, Elements: 2},
			},
			Params: map[Dtype]uint64{F6E2M3: 4, F4: 2}, TotalParams: 6,
		}},
		{"escaped names and surrogate pairs", file(`{"\ud83d\ude00\"\n":{"dtype":"U8","shape":[],"data_offsets":[0,1]},"__metadata__":{"k\u00e9":"v\\"}}`, 1), &Header{
			Tensors:  []Tensor{{Name: "😀\"\n", Dtype: U8, Shape: []uint64{}, End: 1, Elements: 1}},
			Metadata: map[string]string{"ké": `v\`},
			Params:   map[Dtype]uint64{U8: 1}, TotalParams: 1,
		}},
	}
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	for _, tt := range validCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parse(tt.in, DefaultLimits())
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.want.HeaderSize == 0 {
				n := int64(binary.LittleEndian.Uint64(tt.in))
				tt.want.HeaderSize, tt.want.DataOffset, tt.want.DataSize = n, 8+n, int64(len(tt.in))-8-n
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreUnexported(Header{})); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseBuilt(t *testing.T) {
	t.Parallel()
	meta := map[string]string{"format": "pt", "note": "built"}
	specs := manyTensors(40)
	in := build(meta, specs...)
	h, err := parse(in, DefaultLimits())
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(h.Tensors) != len(specs) || !cmp.Equal(h.Metadata, meta) {
		t.Fatalf("got %d tensors, metadata %v; want %d, %v", len(h.Tensors), h.Metadata, len(specs), meta)
	}
	checkInvariants(t, h, int64(len(in)))
	if h.HeaderSize%8 != 0 {
		t.Errorf("HeaderSize = %d, want a multiple of 8", h.HeaderSize)
	}
}

// TestDtypes checks every dtype of the reference and its size in bits.
func TestDtypes(t *testing.T) {
	t.Parallel()
	want := map[Dtype]int{
		"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8,
		"F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
		"I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64,
	}
	if len(dtypeBits) != len(want) {
		t.Errorf("%d dtypes, want %d", len(dtypeBits), len(want))
	}
	for d, b := range want {
		if d.Bits() != b {
			t.Errorf("%s.Bits() = %d, want %d", d, d.Bits(), b)
		}
		// 8 elements fill a whole number of bytes for every dtype.
		in := build(nil, spec{"t", d, []uint64{2, 4}})
		h, err := parse(in, DefaultLimits())
		if err != nil {
			t.Errorf("%s: %v", d, err)
			continue
		}
		if got := h.Tensors[0].End; got != int64(b) {
			t.Errorf("%s: 8 elements take %d bytes, want %d", d, got, b)
		}
	}
	for _, d := range []Dtype{"f32", "F128", "", "F8_E4M3FN", "INT4"} {
		if d.Bits() != 0 {
			t.Errorf("%q.Bits() = %d, want 0", d, d.Bits())
		}
	}
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	in := file(`{}      `, 0)
	if _, err := parse(in, Limits{MaxHeader: 8}); err != nil {
		t.Errorf("header of exactly the limit: %v", err)
	}
	_, err := parse(in, Limits{MaxHeader: 7})
	want := &scanners.FormatError{Format: "safetensors", Offset: 0, Msg: "header length 8 exceeds the limit of 7 bytes"}
	if diff := cmp.Diff(want, err); diff != "" {
		t.Errorf("header over the limit (-want +got):\n%s", diff)
	}
	if _, err := parse(in, Limits{}); err != nil {
		t.Errorf("zero Limits: %v", err)
	}
}

// errReaderAt fails every read.
type errReaderAt struct{}

func (errReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errors.New("disk on fire") }

func TestParseReadError(t *testing.T) {
	t.Parallel()
	_, err := Parse(errReaderAt{}, 100, DefaultLimits())
	var fe *scanners.FormatError
	if !errors.As(err, &fe) || fe.Offset != 0 || !strings.Contains(fe.Msg, "disk on fire") {
		t.Errorf("Parse = %v, want a FormatError at 0 naming the read error", err)
	}
}

// TestParseShortReader gives Parse a size larger than what the reader holds.
// (safeio.ReadAt zero-fills a header cut short by io.EOF, so that case fails
// on the zeros rather than on the read.)
func TestParseShortReader(t *testing.T) {
	t.Parallel()
	for _, in := range [][]byte{{2, 0, 0}, withLen(4, "{}")} {
		_, err := Parse(bytes.NewReader(in), 100, DefaultLimits())
		var fe *scanners.FormatError
		if !errors.As(err, &fe) {
			t.Errorf("Parse(%q) = %v, want a FormatError", in, err)
		}
	}
}

// checkInvariants checks what Parse promises about a Header it returns.
func checkInvariants(t testing.TB, h *Header, size int64) {
	t.Helper()
	if h.HeaderSize <= 0 || h.HeaderSize > DefaultLimits().MaxHeader || h.DataOffset != lengthSize+h.HeaderSize ||
		h.DataSize < 0 || h.DataOffset+h.DataSize != size {
		t.Fatalf("bad sizes: header %d, data at %d, %d bytes, file %d", h.HeaderSize, h.DataOffset, h.DataSize, size)
	}
	var pos int64
	var total uint64
	params := map[Dtype]uint64{}
	names := map[string]bool{}
	for i, tn := range h.Tensors {
		if tn.Begin != pos || tn.End < tn.Begin || tn.End > h.DataSize {
			t.Fatalf("tensor %d %q at [%d, %d), want it to begin at %d inside %d bytes", i, tn.Name, tn.Begin, tn.End, pos, h.DataSize)
		}
		if i > 0 {
			p := h.Tensors[i-1]
			if p.Begin == tn.Begin && p.End == tn.End && p.Name >= tn.Name {
				t.Fatalf("tensors %q and %q not sorted", p.Name, tn.Name)
			}
		}
		if names[tn.Name] || tn.Name == metadataKey {
			t.Fatalf("duplicate or reserved tensor name %q", tn.Name)
		}
		names[tn.Name] = true
		n, ok := product(tn.Shape)
		b := uint64(tn.Dtype.Bits())
		if !ok || n != tn.Elements || b == 0 || len(tn.Shape) > maxRank {
			t.Fatalf("tensor %q: dtype %q, shape %v, elements %d", tn.Name, tn.Dtype, tn.Shape, tn.Elements)
		}
		if n*b%8 != 0 || n*b/8 != uint64(tn.End-tn.Begin) || (n != 0 && n*b/n != b) {
			t.Fatalf("tensor %q: %d %s elements in %d bytes", tn.Name, n, tn.Dtype, tn.End-tn.Begin)
		}
		params[tn.Dtype] += n
		total += n
		pos = tn.End
	}
	if pos != h.DataSize {
		t.Fatalf("tensors cover %d of %d data bytes", pos, h.DataSize)
	}
	if total != h.TotalParams || !cmp.Equal(params, h.Params, cmpopts.EquateEmpty()) {
		t.Fatalf("params %v total %d, want %v total %d", h.Params, h.TotalParams, params, total)
	}
}
