package onnx

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseMetadata(t *testing.T) {
	t.Parallel()
	x := msg(nil).str(viName, "X").sub(viType, msg(nil).sub(typeTensor, msg(nil).varint(ttElemType, 1).
		sub(ttShape, msg(nil).sub(shapeDim, msg(nil).str(dimParam, "N")).sub(shapeDim, msg(nil).varint(dimValue, 4)))))
	y := msg(nil).str(viName, "Y").sub(viType, msg(nil).sub(typeSequence, msg(nil).sub(elemTypeNested,
		msg(nil).sub(typeTensor, msg(nil).varint(ttElemType, 7)))))
	g := graph([]msg{node("", "MatMul"), node("", "Add"), node("", "Relu"), node("", "Relu")},
		tensor("W", 48, 4, 3), tensor("B", 12, 3)).sub(graphInput, x).sub(graphOutput, y)
	fn := msg(nil).str(fnName, "Double").str(fnDomain, "local").sub(fnNode, node("", "Add"))
	in := model(g, func(m msg) msg {
		return m.str(modelProducerVer, "2.1").str(modelDomain, "org.example").varint(modelModelVersion, 3).
			str(modelDocString, "doc").sub(modelMetadataProps, msg(nil).str(1, "license").str(2, "MIT")).
			sub(modelOpsetImport, msg(nil).str(1, "ai.onnx.ml").varint(2, 3)).sub(modelFunctions, fn)
	})
	m, err := Parse(bytes.NewReader(in), int64(len(in)), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := &Model{
		IRVersion: 8, Opsets: []Opset{{"", 17}, {"ai.onnx.ml", 3}}, ProducerName: "test", ProducerVersion: "2.1",
		Domain: "org.example", ModelVersion: 3, DocString: "doc", GraphName: "g",
		Inputs:  []ValueInfo{{Name: "X", Kind: "tensor", ElemType: 1, Shape: []Dim{{Param: "N", Known: true}, {Value: 4, Known: true}}}},
		Outputs: []ValueInfo{{Name: "Y", Kind: "sequence"}},
		Nodes:   5,
		Initializers: []Initializer{
			{Name: "W", DataType: 1, Dims: []int64{4, 3}, Params: 12, RawBytes: 48},
			{Name: "B", DataType: 1, Dims: []int64{3}, Params: 3, RawBytes: 12},
		},
		InitializerCount: 2, Params: 15,
		Functions:     []Function{{Domain: "local", Name: "Double", Nodes: 1}},
		Metadata:      []Property{{"license", "MIT"}},
		CustomDomains: []string{},
	}
	opts := cmp.Options{cmpopts.IgnoreUnexported(Model{}), cmpopts.IgnoreFields(Initializer{}, "Offset"), cmpopts.EquateEmpty()}
	if d := cmp.Diff(want, m, opts); d != "" {
		t.Errorf("Parse (-want +got):\n%s", d)
	}
	wantOps := []OpCount{{"Add", 2}, {"Relu", 2}, {"MatMul", 1}}
	if d := cmp.Diff(wantOps, m.Ops(0)); d != "" {
		t.Errorf("Ops (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantOps[:1], m.Ops(1)); d != "" {
		t.Errorf("Ops(1) (-want +got):\n%s", d)
	}
}

func TestParseCaps(t *testing.T) {
	t.Parallel()
	var nodes []msg
	for i := range 50 {
		nodes = append(nodes, node("", string(rune('A'+i%26))+"op"))
	}
	var inits []msg
	for range 30 {
		inits = append(inits, tensor("w", 4, 1<<40, 1<<40))
	}
	in := model(graph(nodes, inits...))
	m, err := Parse(bytes.NewReader(in), int64(len(in)), Limits{MaxRecords: 10})
	if err != nil {
		t.Fatal(err)
	}
	if m.Nodes != 50 || m.InitializerCount != 30 || len(m.Initializers) != 10 {
		t.Errorf("nodes %d, initializers %d recorded of %d", m.Nodes, len(m.Initializers), m.InitializerCount)
	}
	if m.Params != 1<<64-1 {
		t.Errorf("params %d, want saturated", m.Params)
	}
	ops := m.Ops(0)
	if len(ops) != 11 || ops[0].Op != "(other)" || ops[0].Count != 30 {
		t.Errorf("ops histogram %v, want 10 kinds and (other)=30", ops)
	}
}

func TestParseSkipsRawDataUnread(t *testing.T) {
	t.Parallel()
	// A 1 GiB raw_data that is not there: the length is checked, not read.
	big := msg(nil).varint(tensorDataType, 1).str(tensorName, "W")
	big = appendLen(big, tensorRawData, 1<<30)
	g := msg(nil).str(graphName, "g")
	g = appendLen(g, graphInitializer, uint64(len(big))+1<<30)
	g = append(g, big...)
	in := msg(nil).varint(modelIRVersion, 8)
	in = appendLen(in, modelGraph, uint64(len(g))+1<<30)
	in = append(in, g...)
	size := int64(len(in)) + 1<<30
	r := &sparseReader{data: in, size: size}
	m, err := Parse(r, size, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if m.InitializerCount != 1 || m.Initializers[0].RawBytes != 1<<30 {
		t.Errorf("got %+v", m.Initializers)
	}
	if r.read > 1<<20 {
		t.Errorf("read %d bytes of a model that is all raw_data", r.read)
	}
}
