package tensorflow

import (
	"bytes"
	"context"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// vf encodes varint field num.
func vf(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

// bf encodes length-delimited field num holding the concatenated parts.
func bf(num protowire.Number, parts ...[]byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), bytes.Join(parts, nil))
}

// s encodes string field num.
func s(num protowire.Number, v string) []byte { return bf(num, []byte(v)) }

// nodeDef encodes a NodeDef with inputs and attrs (from attr*).
func nodeDef(name, op string, inputs []string, attrs ...[]byte) []byte {
	parts := [][]byte{s(1, name), s(2, op)}
	for _, in := range inputs {
		parts = append(parts, s(3, in))
	}
	return bytes.Join(append(parts, attrs...), nil)
}

// attrFunc is a NodeDef attr "f" naming function fn.
func attrFunc(fn string) []byte { return bf(5, s(1, "f"), bf(2, bf(10, s(1, fn)))) }

// attrStr is a NodeDef string attr.
func attrStr(key, v string) []byte { return bf(5, s(1, key), bf(2, s(2, v))) }

// attrList is a NodeDef list(string) attr.
func attrList(key string, vs ...string) []byte {
	var l [][]byte
	for _, v := range vs {
		l = append(l, s(2, v))
	}
	return bf(5, s(1, key), bf(2, bf(1, l...)))
}

// funcDef encodes a FunctionDef named name with nodes.
func funcDef(name string, nodes ...[]byte) []byte {
	parts := [][]byte{bf(1, s(1, name))}
	for _, n := range nodes {
		parts = append(parts, bf(3, n))
	}
	return bytes.Join(parts, nil)
}

// graph is what a test MetaGraphDef holds.
type graph struct {
	nodes, funcs [][]byte
	saver        [3]string
	serve        []string // signature output tensor names
	initOps      []string
}

// metaGraph encodes g as a MetaGraphDef.
func (g graph) metaGraph() []byte {
	var gd [][]byte
	for _, n := range g.nodes {
		gd = append(gd, bf(1, n))
	}
	if len(g.funcs) > 0 {
		var lib [][]byte
		for _, f := range g.funcs {
			lib = append(lib, bf(1, f))
		}
		gd = append(gd, bf(2, lib...))
	}
	parts := [][]byte{bf(1, s(4, "serve"), s(5, "2.15.0")), bf(2, gd...)}
	if g.saver[0] != "" {
		parts = append(parts, bf(3, s(1, g.saver[0]), s(2, g.saver[1]), s(3, g.saver[2])))
	}
	if len(g.initOps) > 0 {
		var l [][]byte
		for _, n := range g.initOps {
			l = append(l, s(1, n))
		}
		parts = append(parts, bf(4, s(1, "saved_model_main_op"), bf(2, bf(1, l...))))
	}
	for _, out := range g.serve {
		ti := bf(2, s(1, out), vf(2, 1), bf(3, bf(2, vf(1, 1)), bf(2, vf(1, 3))))
		parts = append(parts, bf(5, s(1, "serving_default"),
			bf(2, bf(2, s(1, "y"), ti), s(3, "tensorflow/serving/predict"))))
	}
	return bytes.Join(parts, nil)
}

// savedModel encodes a SavedModel of meta graphs.
func savedModel(metas ...[]byte) []byte {
	out := vf(1, 1)
	for _, m := range metas {
		out = append(out, bf(2, m)...)
	}
	return out
}

// tf1Graph is a TF1 graph with a Saver; extra nodes are appended and yIn
// are the inputs of the served node y.
func tf1Graph(yIn []string, extra ...[]byte) graph {
	nodes := [][]byte{
		nodeDef("x", "Placeholder", nil),
		nodeDef("w", "VariableV2", nil),
		nodeDef("MatMul", "MatMul", []string{"x", "w"}),
		nodeDef("y", "Relu", yIn),
		nodeDef("save/Const", "Const", nil),
		nodeDef("save/SaveV2", "SaveV2", []string{"save/Const", "w"}),
		nodeDef("save/control_dependency", "Identity", []string{"save/Const", "^save/SaveV2"}),
		nodeDef("save/RestoreV2", "RestoreV2", []string{"save/Const"}),
		nodeDef("save/Assign", "Assign", []string{"w", "save/RestoreV2:0"}),
		nodeDef("save/restore_all", "NoOp", []string{"^save/Assign"}),
	}
	return graph{nodes: append(nodes, extra...), serve: []string{"y:0"},
		saver: [3]string{"save/Const:0", "save/control_dependency:0", "save/restore_all"}}
}

// tf2Graph is a TF2 graph whose serving function holds call plus extra
// nodes, with traced save and restore functions and more functions.
func tf2Graph(call [][]byte, funcs ...[]byte) graph {
	nodes := [][]byte{
		nodeDef("serving_default_x", "Placeholder", nil),
		nodeDef("saver_filename", "Placeholder", nil),
		nodeDef("StatefulPartitionedCall", "StatefulPartitionedCall", []string{"serving_default_x"},
			attrFunc("__inference_signature_wrapper_1")),
		nodeDef("StatefulPartitionedCall_1", "StatefulPartitionedCall", []string{"saver_filename"},
			attrFunc("__inference__traced_save_2")),
		nodeDef("StatefulPartitionedCall_2", "StatefulPartitionedCall", []string{"saver_filename"},
			attrFunc("__inference__traced_restore_3")),
	}
	fs := [][]byte{
		funcDef("__inference_signature_wrapper_1", append([][]byte{nodeDef("Relu", "Relu", []string{"x"})}, call...)...),
		funcDef("__inference__traced_save_2", nodeDef("ShardedFilename", "ShardedFilename", nil),
			nodeDef("SaveV2", "SaveV2", nil), nodeDef("MergeV2Checkpoints", "MergeV2Checkpoints", nil)),
		funcDef("__inference__traced_restore_3", nodeDef("RestoreV2", "RestoreV2", nil),
			nodeDef("AssignVariableOp", "AssignVariableOp", nil)),
	}
	return graph{nodes: nodes, funcs: append(fs, funcs...), serve: []string{"StatefulPartitionedCall:0"},
		saver: [3]string{"saver_filename:0", "StatefulPartitionedCall_1:0", "StatefulPartitionedCall_2"}}
}

// scan runs the Scanner on in.
func scan(t *testing.T, in []byte) ([]scanners.Finding, error) {
	t.Helper()
	return scanners.FindingsOf(New().Scan(context.Background(), scanners.File{Path: "saved_model.pb", Size: int64(len(in)), R: bytes.NewReader(in)}))
}
