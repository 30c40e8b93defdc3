// Package onnx reads ONNX models (a protobuf ModelProto, onnx/onnx.proto)
// at the wire level, without generated code, and reports what a runtime
// would do beyond arithmetic when it loads them: read tensor data from
// external files (which must stay inside the model's folder), run operators
// from domains that only native or Python plugins implement, and load
// precompiled execution-provider blobs.
//
// Parse walks the file through a small window over an io.ReaderAt: tensor
// payloads (raw_data, which can be gigabytes) are skipped, never read, and
// every length is checked against the bytes of its enclosing message before
// it is used.
package onnx

import (
	"sort"
)

// Limits bounds what Parse records and accepts.
type Limits struct {
	// MaxDepth bounds message nesting (a ModelProto is depth 1; each graph
	// inside a node attribute adds three). The protobuf runtime that ONNX
	// loaders use refuses more than 100 levels; deeper files are invalid.
	MaxDepth int
	// MaxString is the most bytes kept of any name or text; longer strings
	// are clipped.
	MaxString int
	// MaxRecords caps the initializers, inputs, outputs, functions,
	// metadata entries, distinct operator kinds and distinct external files
	// that are recorded. Counting and scanning for findings go on past it.
	MaxRecords int
}

// DefaultLimits returns the limits Scan uses.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 100, MaxString: 4096, MaxRecords: 100_000}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxString <= 0 {
		l.MaxString = d.MaxString
	}
	if l.MaxRecords <= 0 {
		l.MaxRecords = d.MaxRecords
	}
	return l
}

// maxPath is the longest external-data location or EPContext path read in
// full; longer ones cannot name a file on any common system.
const maxPath = 32 << 10

// maxRank is the most dimensions recorded per tensor or value; the
// parameter count still uses them all.
const maxRank = 64

// Opset is one entry of opset_import.
type Opset struct {
	// Domain is "" for the default ONNX domain ("ai.onnx").
	Domain  string
	Version int64
}

// Dim is one dimension of a value's shape.
type Dim struct {
	// Value is dim_value when Param is empty and Known is true.
	Value int64
	// Param is the symbolic dim_param ("batch").
	Param string
	// Known says whether the dimension had a dim_value or dim_param.
	Known bool
}

// ValueInfo is a graph input or output.
type ValueInfo struct {
	Name string
	// Kind is "tensor", "sparse_tensor", "sequence", "map", "optional" or
	// "" when the type is missing.
	Kind string
	// ElemType is the TensorProto.DataType of a tensor or sparse tensor.
	ElemType int32
	// Shape is nil when the type has no shape (unknown rank).
	Shape []Dim
}

// Initializer is one constant tensor of a graph.
type Initializer struct {
	Name     string
	DataType int32
	Dims     []int64
	// Params is the number of elements (0 when a dimension is negative).
	Params uint64
	// RawBytes is the length of raw_data; the bytes are never read.
	RawBytes int64
	// External says data_location is EXTERNAL; Location is its file.
	External bool
	Location string
	// Sparse says it came from sparse_initializer.
	Sparse bool
	// Offset is where its TensorProto starts in the file.
	Offset int64
}

// Function is a FunctionProto of the model: a local operator built from
// other operators.
type Function struct {
	Domain, Name string
	Nodes        int64
}

// Property is one metadata_props entry.
type Property struct {
	Key, Value string
}

// ExternalFile is one distinct external-data location (or EPContext
// cache file) the model refers to.
type ExternalFile struct {
	Location string
	// Tensors counts the tensors (or nodes) that name it.
	Tensors int64
	// Offset is where the first reference is in the file.
	Offset int64
	// EPContext says an EPContext node names it, not a tensor.
	EPContext bool

	flagged bool
}

// OpCount is one entry of the operator histogram.
type OpCount struct {
	// Op is "op_type" for the default domain, "domain::op_type" otherwise.
	Op    string
	Count int64
}

// Model is what Parse learned about an ONNX model.
type Model struct {
	IRVersion       int64
	Opsets          []Opset
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	DocString       string
	GraphName       string
	Inputs          []ValueInfo
	Outputs         []ValueInfo
	// Nodes counts every node: the main graph, subgraphs, functions and
	// training graphs.
	Nodes int64
	// Subgraphs counts graphs inside node attributes.
	Subgraphs int64
	// Initializers records the main graph's initializers (and those of
	// subgraphs) up to Limits.MaxRecords; InitializerCount counts them all.
	Initializers     []Initializer
	InitializerCount int64
	// Params is the total number of initializer elements (saturating).
	Params    uint64
	Functions []Function
	Metadata  []Property
	// External lists the distinct files the model refers to.
	External []ExternalFile
	// CustomDomains lists the operator domains used by nodes that are
	// neither standard ONNX, onnxruntime's own, nor local functions.
	CustomDomains []string

	ops      map[string]int64
	opsOther int64
	state    *scan
}

// Ops returns the operator histogram, most used first, at most n entries
// (all when n <= 0). Operators beyond Limits.MaxRecords distinct kinds are
// counted under "(other)".
func (m *Model) Ops(n int) []OpCount {
	out := make([]OpCount, 0, len(m.ops)+1)
	for k, v := range m.ops {
		out = append(out, OpCount{k, v})
	}
	if m.opsOther > 0 {
		out = append(out, OpCount{"(other)", m.opsOther})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Op < out[j].Op
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}
