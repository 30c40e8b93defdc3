// Package gguf validates GGUF model files (versions 1 to 3, as written by
// llama.cpp's gguf-py and read by ggml) within fixed bounds, extracts the
// metadata an AI-BOM needs, and statically analyses the Jinja chat templates
// they carry for server-side template injection (CVE-2024-34359 class).
//
// A GGUF file is the magic "GGUF", a u32 version, the tensor count and the
// metadata key/value count (u32 in v1, u64 since v2), the typed key/values,
// the tensor infos (name, dimensions, ggml type, data offset), padding to
// general.alignment (32 by default) and the tensor data. Every count and
// length is checked against the bytes that remain before anything is
// allocated; nothing in the file is ever rendered or executed.
package gguf

import "strconv"

// format is the Format of every FormatError this package returns and the
// name the Scanner reports.
const format = "gguf"

// magic opens every GGUF file.
const magic = "GGUF"

// swappedMagic is the magic read as a big-endian u32 and written back
// little-endian; candle accepts it.
const swappedMagic = "FUGG"

// Limits bounds what Parse accepts and keeps.
type Limits struct {
	// MaxString caps one string (key, value, tensor name) in bytes.
	MaxString int64
	// MaxArray caps the number of elements of one metadata array.
	MaxArray int64
	// MaxKV caps the number of metadata key/values.
	MaxKV int64
	// MaxTensors caps the number of tensors.
	MaxTensors int64
	// MaxDepth caps the nesting of metadata arrays (an array of scalars has
	// depth 1).
	MaxDepth int
	// MaxTemplateBytes caps the total size of the chat templates kept for
	// analysis.
	MaxTemplateBytes int64
	// MaxAlignment caps general.alignment.
	MaxAlignment uint32
}

// Defaults; the string and array caps are ggml's (GGUF_MAX_STRING_LENGTH,
// GGUF_MAX_ARRAY_ELEMENTS), the alignment cap its GGUF_MAX_ALIGNMENT.
const (
	defaultMaxString    = 64 << 20
	defaultMaxArray     = 64 << 20
	defaultMaxKV        = 1 << 20
	defaultMaxTensors   = 1 << 20
	defaultMaxDepth     = 8
	defaultMaxTemplates = 256 << 20
	defaultMaxAlignment = 1 << 20
	defaultAlignment    = 32
	// maxDims is GGML_MAX_DIMS.
	maxDims = 4
	// keepString is the longest ordinary string value kept in Metadata;
	// longer ones are recorded by length only.
	keepString = 64 << 10
	// keepArray is the longest string array whose elements are kept.
	keepArray = 1024
)

// DefaultLimits returns ggml's limits and generous caps on counts.
func DefaultLimits() Limits {
	return Limits{
		MaxString: defaultMaxString, MaxArray: defaultMaxArray, MaxKV: defaultMaxKV,
		MaxTensors: defaultMaxTensors, MaxDepth: defaultMaxDepth,
		MaxTemplateBytes: defaultMaxTemplates, MaxAlignment: defaultMaxAlignment,
	}
}

// withDefaults replaces zero or negative fields by their defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxString <= 0 {
		l.MaxString = d.MaxString
	}
	if l.MaxArray <= 0 {
		l.MaxArray = d.MaxArray
	}
	if l.MaxKV <= 0 {
		l.MaxKV = d.MaxKV
	}
	if l.MaxTensors <= 0 {
		l.MaxTensors = d.MaxTensors
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxTemplateBytes <= 0 {
		l.MaxTemplateBytes = d.MaxTemplateBytes
	}
	if l.MaxAlignment == 0 {
		l.MaxAlignment = d.MaxAlignment
	}
	return l
}

// ValueType is a metadata value type (gguf_metadata_value_type).
type ValueType uint32

// The metadata value types of the specification.
const (
	TypeUint8 ValueType = iota
	TypeInt8
	TypeUint16
	TypeInt16
	TypeUint32
	TypeInt32
	TypeFloat32
	TypeBool
	TypeString
	TypeArray
	TypeUint64
	TypeInt64
	TypeFloat64
)

var valueTypeNames = [...]string{"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"}

func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return "type(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// size returns the encoded size of a fixed-size value type, 0 for strings
// and arrays.
func (t ValueType) size() int64 {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	default:
		return 0
	}
}

// Value is a decoded metadata value. Numbers are widened: unsigned ones to
// Uint, signed ones to Int, floats to Float. Long strings and the elements
// of long arrays are not kept (see Len and Kept).
type Value struct {
	Type  ValueType
	Uint  uint64
	Int   int64
	Float float64
	Bool  bool
	// Str is the string; empty when the string was not kept.
	Str string
	// Len is the string length in bytes, or the number of array elements.
	Len uint64
	// Kept reports whether Str (or Elems) holds the whole value.
	Kept bool
	// ElemType is the element type of an array.
	ElemType ValueType
	// Elems holds the elements of short arrays of scalars or strings.
	Elems []Value
}

// KV is one metadata key/value, with the file offset of its key.
type KV struct {
	Key    string
	Offset int64
	// ValueOffset is the file offset of the value (after the type field).
	ValueOffset int64
	Value       Value
}

// Tensor is one tensor info.
type Tensor struct {
	Name string
	Type GGMLType
	// Shape lists the dimensions in GGUF order (fastest-varying first).
	Shape []uint64
	// Offset is relative to the data section, which starts at
	// File.DataOffset.
	Offset uint64
	// Size is the tensor's byte size; Elements the product of Shape.
	Size     uint64
	Elements uint64
	// InfoOffset is the file offset of the tensor info.
	InfoOffset int64
}

// ChatTemplate is a Jinja chat template found in the metadata.
type ChatTemplate struct {
	// Key is the metadata key ("tokenizer.chat_template" or
	// "tokenizer.chat_template.<name>").
	Key string
	// Name is "" for the default template, <name> otherwise.
	Name string
	Text string
	// SHA256 is the hex digest of Text.
	SHA256 string
	// Offset is the file offset of the template's first byte.
	Offset int64
}

// Source is a base model or dataset named by general.base_model.N.* or
// general.dataset.N.*.
type Source struct {
	Name, Author, Version, Organization, Description string
	URL, DOI, UUID, RepoURL                          string
}

// File is a validated GGUF file and what its metadata declares.
type File struct {
	Version uint32
	// Alignment is general.alignment, or 32.
	Alignment uint32
	// DataOffset is where the tensor data section starts.
	DataOffset int64
	// Metadata lists the key/values in file order.
	Metadata []KV
	Tensors  []Tensor

	Architecture string
	Name         string
	License      string
	// FileType is general.file_type, -1 when absent; FileTypeName its
	// llama_ftype name ("MOSTLY_Q4_K_M"), "" when unknown.
	FileType     int64
	FileTypeName string
	// QuantizationVersion is general.quantization_version, 0 when absent.
	QuantizationVersion uint64
	// TensorTypes counts tensors by ggml type name.
	TensorTypes map[string]int
	// ParameterCount is the sum of the tensors' elements.
	ParameterCount uint64
	// ContextLength is <arch>.context_length, 0 when absent.
	ContextLength  uint64
	TokenizerModel string
	BaseModels     []Source
	Datasets       []Source
	ChatTemplates  []ChatTemplate
}

// Lookup returns the value of key and whether it is present.
func (f *File) Lookup(key string) (Value, bool) {
	for _, kv := range f.Metadata {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return Value{}, false
}
