// Package tensorflow scans TensorFlow SavedModel files (saved_model.pb) for
// operations that reach past the tensor math: ops that read or write files,
// open network connections or call back into Python.
//
// A saved_model.pb is a SavedModel protobuf (tensorflow/core/protobuf/
// saved_model.proto): a schema version and MetaGraphDefs, each holding a
// GraphDef (NodeDefs and a FunctionDefLibrary whose FunctionDefs hold more
// NodeDefs), a SaverDef, SignatureDefs and, for TF2, a SavedObjectGraph.
// Parse walks the wire format with protowire, window by window, so memory
// does not grow with tensor constants embedded in the graph.
//
// # Rules
//
// TF-DANGEROUS-OP (critical) is any node, in the main graph or in any
// function, whose op is in the dangerous list (DangerousOp): Python calls,
// file readers and writers, file-backed datasets and summary writers, RPC
// ops. Three attributes are dangerous on any op: debug_urls (tfdbg sends
// tensors to file:// or grpc:// URLs), descriptor_source other than
// local:// or bytes:// (DecodeProtoV2/EncodeProto read a descriptor file)
// and a PrintV2 output_stream of file://.
//
// Checkpoint ops (SaveV2, RestoreV2, MergeV2Checkpoints, ...) are normal in
// the saver sub-graph that every SavedModel carries. One of them is flagged
// when it runs where a saver never puts it:
//   - it is reachable from a SignatureDef's tensors (it runs when the model
//     is served): main-graph nodes in the fan-in of those tensors, and every
//     node of every function those nodes call, transitively;
//   - it writes (Save*, MergeV2Checkpoints) and is reachable from the
//     SaverDef's restore op or the TF1 main/init op collections, which
//     loaders run at load time;
//   - it is not in the saver sub-graph at all: the fan-in of the SaverDef's
//     save tensor and restore op (and the functions they call), plus
//     main-graph nodes under the saver's name scope ("save/", "save_1/", ...
//     or the scope of the SaverDef's names).
//
// TF-CUSTOM-OP (medium) is an op outside TensorFlow's standard op set
// (StandardOp): loading the model needs a native op library. TF-ASSET-OP
// (info) notes ops that read a file named by a tensor, normally an asset
// (vocabulary tables).
package tensorflow

// format is the name of this format in reports and errors.
const format = "tensorflow"

// Limits bounds what Parse accepts.
type Limits struct {
	// MaxDepth bounds message nesting (protobuf's own default is 100).
	MaxDepth int
	// MaxNodes bounds the NodeDefs kept, across the graph and functions.
	MaxNodes int
	// MaxInputs bounds the node inputs, function calls and attribute
	// values kept, over all nodes.
	MaxInputs int
	// MaxString clips the strings kept (names, ops); at most 64 KiB.
	MaxString int
	// MaxMetaGraphs bounds the MetaGraphDefs.
	MaxMetaGraphs int
}

// DefaultLimits returns limits far above real models.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 100, MaxNodes: 1 << 20, MaxInputs: 1 << 22, MaxString: 4096, MaxMetaGraphs: 64}
}

func (l Limits) maxDepth() int      { return pick(l.MaxDepth, 100) }
func (l Limits) maxNodes() int      { return pick(l.MaxNodes, 1<<20) }
func (l Limits) maxInputs() int     { return pick(l.MaxInputs, 1<<22) }
func (l Limits) maxString() int     { return min(pick(l.MaxString, 4096), winSize) }
func (l Limits) maxMetaGraphs() int { return pick(l.MaxMetaGraphs, 64) }

func pick(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// SavedModel is what Parse reports of a saved_model.pb.
type SavedModel struct {
	// SchemaVersion is saved_model_schema_version (1 for every TF release).
	SchemaVersion int64
	MetaGraphs    []*MetaGraph
}

// MetaGraph is one MetaGraphDef.
type MetaGraph struct {
	// Offset is where the MetaGraphDef's field starts.
	Offset int64
	// Tags select the MetaGraph at load time ("serve", "train", ...).
	Tags []string
	// TFVersion and TFGitVersion name the TensorFlow build that wrote it.
	TFVersion, TFGitVersion string
	// Signatures are the SignatureDefs in file order.
	Signatures []Signature
	// Nodes are the main graph's NodeDefs.
	Nodes []Node
	// Functions are the FunctionDefLibrary's FunctionDefs.
	Functions []Function
	// InitOps are the nodes that TF1 loaders run at load time (the
	// saved_model_main_op and legacy_init_op collections).
	InitOps []string
	// Saver is the SaverDef; nil when absent.
	Saver *Saver
	// ObjectNodes and ConcreteFunctions count the SavedObjectGraph's nodes
	// and concrete functions (TF2).
	ObjectNodes, ConcreteFunctions int
	// Ops counts nodes per op, over the graph and all functions.
	Ops map[string]int
}

// Signature is one SignatureDef.
type Signature struct {
	Key, Method     string
	Inputs, Outputs []TensorInfo
}

// TensorInfo describes one input or output of a signature.
type TensorInfo struct {
	// Key is the name the signature gives the tensor; Name is the graph
	// tensor ("serving_default_x:0").
	Key, Name string
	// Dtype is the DataType name without "DT_" ("FLOAT"); a number for an
	// unknown value.
	Dtype string
	// Shape lists dimensions, -1 for unknown; nil with UnknownRank.
	Shape       []int64
	UnknownRank bool
}

// Node is one NodeDef.
type Node struct {
	Name, Op, Device string
	// Offset is where the NodeDef's field starts.
	Offset int64
	// Inputs are the names of the nodes this one reads from or waits for
	// (output index and "^" stripped); kept for main-graph nodes only.
	Inputs []string
	// Calls are the functions named by this node's function-valued attrs
	// ("f", "then_branch", "body", ...).
	Calls []string
	// Risky holds the dangerous attribute values seen (debug_urls,
	// descriptor_source, output_stream), as "attr=value".
	Risky []string
}

// Function is one FunctionDef.
type Function struct {
	Name   string
	Offset int64
	Nodes  []Node
}

// Saver is the SaverDef: the tensors and op that save and restore the
// variables.
type Saver struct {
	FilenameTensor, SaveTensor, RestoreOp string
}
