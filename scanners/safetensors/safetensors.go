// Package safetensors validates Hugging Face safetensors files to the letter
// of the format's specification and reports what their headers declare.
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// UTF-8 JSON (starting with '{', optionally padded at the end with
// whitespace), then the data buffer. The JSON object maps tensor names to
// {"dtype", "shape", "data_offsets": [begin, end]} and may hold a
// "__metadata__" object of strings. Offsets are relative to the data buffer;
// the tensors must tile it exactly.
//
// Safetensors loaders never execute anything in the file, so a valid file has
// no findings. A file that does not validate cannot be shown to be what it
// claims, and Scan returns a *scanners.FormatError saying where and why.
package safetensors

// Limits bounds what Parse accepts.
type Limits struct {
	// MaxHeader caps the JSON header length N, in bytes. Zero or negative
	// means the default.
	MaxHeader int64
}

// defaultMaxHeader is the reference implementation's cap (MAX_HEADER_SIZE in
// huggingface/safetensors, safetensors/src/tensor.rs).
const defaultMaxHeader = 100_000_000

// maxRank bounds the number of dimensions of a tensor. The format sets none,
// but real frameworks stop at 64 (PyTorch, NumPy 2); the bound keeps a
// hostile header from making Parse hold hundreds of millions of dimensions.
const maxRank = 1024

// maxDepth bounds JSON nesting, counting the header object as depth 1. It is
// serde_json's recursion limit, which the reference loader inherits.
const maxDepth = 128

// DefaultLimits returns the limits of the reference implementation: a 100 MB
// header.
func DefaultLimits() Limits { return Limits{MaxHeader: defaultMaxHeader} }

func (l Limits) maxHeader() int64 {
	if l.MaxHeader <= 0 {
		return defaultMaxHeader
	}
	return l.MaxHeader
}

// Dtype is a tensor element type, spelled as in the header ("F16", ...).
type Dtype string

// The element types of safetensors 0.8, in the reference implementation's
// order.
const (
	Bool       Dtype = "BOOL"        // boolean, one byte
	F4         Dtype = "F4"          // OCP MXFP4 (E2M1), 4 bits
	F6E2M3     Dtype = "F6_E2M3"     // OCP MXFP6, 6 bits
	F6E3M2     Dtype = "F6_E3M2"     // OCP MXFP6, 6 bits
	U8         Dtype = "U8"          // unsigned 8-bit integer
	I8         Dtype = "I8"          // signed 8-bit integer
	F8E5M2     Dtype = "F8_E5M2"     // FP8 E5M2
	F8E4M3     Dtype = "F8_E4M3"     // FP8 E4M3
	F8E8M0     Dtype = "F8_E8M0"     // OCP MX block scale exponent
	F8E4M3FNUZ Dtype = "F8_E4M3FNUZ" // FP8 E4M3, finite, unsigned zero
	F8E5M2FNUZ Dtype = "F8_E5M2FNUZ" // FP8 E5M2, finite, unsigned zero
	I16        Dtype = "I16"         // signed 16-bit integer
	U16        Dtype = "U16"         // unsigned 16-bit integer
	F16        Dtype = "F16"         // IEEE half precision
	BF16       Dtype = "BF16"        // bfloat16
	I32        Dtype = "I32"         // signed 32-bit integer
	U32        Dtype = "U32"         // unsigned 32-bit integer
	F32        Dtype = "F32"         // IEEE single precision
	C64        Dtype = "C64"         // complex of two F32
	F64        Dtype = "F64"         // IEEE double precision
	I64        Dtype = "I64"         // signed 64-bit integer
	U64        Dtype = "U64"         // unsigned 64-bit integer
)

var dtypeBits = map[Dtype]uint8{
	Bool: 8, F4: 4, F6E2M3: 6, F6E3M2: 6, U8: 8, I8: 8,
	F8E5M2: 8, F8E4M3: 8, F8E8M0: 8, F8E4M3FNUZ: 8, F8E5M2FNUZ: 8,
	I16: 16, U16: 16, F16: 16, BF16: 16,
	I32: 32, U32: 32, F32: 32,
	C64: 64, F64: 64, I64: 64, U64: 64,
}

// Bits returns the size of one element in bits, or 0 for an unknown dtype.
func (d Dtype) Bits() int { return int(dtypeBits[d]) }

// Tensor is one entry of the header.
type Tensor struct {
	Name  string
	Dtype Dtype
	// Shape lists the dimensions; empty for a scalar. A dimension may exceed
	// the int64 range when another one is 0, as the reference allows.
	Shape []uint64
	// Begin and End are the data_offsets: the tensor's bytes are
	// [Begin, End) of the data buffer, which starts at Header.DataOffset.
	Begin, End int64
	// Elements is the product of Shape.
	Elements uint64
}

// Header is a validated safetensors header.
type Header struct {
	// HeaderSize is N, the JSON header length in bytes, padding included.
	HeaderSize int64
	// DataOffset is where the data buffer starts in the file: 8 + HeaderSize.
	DataOffset int64
	// DataSize is the length of the data buffer, which runs to the end of
	// the file.
	DataSize int64
	// Tensors are sorted by Begin, then End, then Name. They tile
	// [0, DataSize) without gaps or overlaps.
	Tensors []Tensor
	// Metadata is the "__metadata__" object; nil when the key is absent.
	Metadata map[string]string
	// Params counts elements per dtype; TotalParams is their sum. Both fit
	// in a uint64: no element takes less than 4 bits of a buffer whose size
	// fits in an int64.
	Params      map[Dtype]uint64
	TotalParams uint64

	// formatOffset is the file offset of the __metadata__ "format" value.
	formatOffset int64
}
