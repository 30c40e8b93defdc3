// Package tflite scans TensorFlow Lite models (FlatBuffers with the file
// identifier "TFL3", tensorflow/compiler/mlir/lite/schema/schema.fbs) for
// operators that need code from outside the TFLite runtime.
//
// Builtin operators are compiled into the runtime and touch nothing outside
// the interpreter. An operator code with a custom_code names a custom op
// that the application must register from native code (TFLITE-CUSTOM-OP,
// medium); custom codes starting with "Flex" are TensorFlow ops run by the
// Flex delegate (TFLITE-FLEX-OP): critical when the TensorFlow op reads or
// writes files, reaches the network or runs Python (tensorflow.OpRisk),
// medium otherwise.
//
// The FlatBuffer is read with a hand-written reader that checks every
// offset, vtable and vector length against the file before following it.
package tflite

import (
	"strconv"
)

// format is the name of this format in reports and errors.
const format = "tflite"

// identifier is the FlatBuffer file identifier at bytes 4-8.
const identifier = "TFL3"

// schemaVersion is the only Model.version the TFLite runtime loads.
const schemaVersion = 3

// Limits bounds what Parse accepts.
type Limits struct {
	// MaxString clips the strings kept (names, custom codes).
	MaxString int
	// MaxOperators bounds the operators counted over all subgraphs.
	MaxOperators int
	// MaxSubgraphs bounds the subgraphs.
	MaxSubgraphs int
	// MaxOpCodes bounds the operator codes.
	MaxOpCodes int
	// MaxIO bounds the inputs and outputs kept per subgraph.
	MaxIO int
}

// DefaultLimits returns limits far above real models.
func DefaultLimits() Limits {
	return Limits{MaxString: 4096, MaxOperators: 1 << 24, MaxSubgraphs: 1 << 12, MaxOpCodes: 1 << 16, MaxIO: 1 << 12}
}

func (l Limits) maxString() int    { return pick(l.MaxString, 4096) }
func (l Limits) maxOperators() int { return pick(l.MaxOperators, 1<<24) }
func (l Limits) maxSubgraphs() int { return pick(l.MaxSubgraphs, 1<<12) }
func (l Limits) maxOpCodes() int   { return pick(l.MaxOpCodes, 1<<16) }
func (l Limits) maxIO() int        { return pick(l.MaxIO, 1<<12) }

func pick(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Model is what Parse reports of a .tflite file.
type Model struct {
	// Version is the schema version (3).
	Version     uint32
	Description string
	// OpCodes are the operator codes, in file order.
	OpCodes   []OpCode
	Subgraphs []Subgraph
	// Ops counts operators per op name over all subgraphs.
	Ops map[string]int
	// Buffers counts the buffers; Metadata names the metadata entries.
	Buffers  int
	Metadata []string
}

// OpCode is one OperatorCode.
type OpCode struct {
	// Builtin is the effective builtin code: the larger of
	// deprecated_builtin_code and builtin_code, as the runtime reads it.
	Builtin int32
	// Custom is custom_code, empty for builtins.
	Custom  string
	Version int32
	// Offset is the position of the OperatorCode table.
	Offset int64
}

// Name returns the custom code, or the builtin operator's name.
func (c OpCode) Name() string {
	if c.Custom != "" {
		return c.Custom
	}
	if c.Builtin >= 0 && int(c.Builtin) < len(builtins) {
		return builtins[c.Builtin]
	}
	return "BUILTIN_" + strconv.Itoa(int(c.Builtin))
}

// Subgraph is one SubGraph.
type Subgraph struct {
	Name string
	// Tensors and Operators count the subgraph's tensors and operators.
	Tensors, Operators int
	// Inputs and Outputs describe the subgraph's input and output tensors.
	Inputs, Outputs []Tensor
}

// Tensor describes one tensor.
type Tensor struct {
	Index int
	Name  string
	// Type is the TensorType name ("FLOAT32"), or a number.
	Type  string
	Shape []int32
}
