package onnx

import (
	"bytes"
	"io"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// msg builds protobuf bytes field by field.
type msg []byte

func (m msg) varint(num protowire.Number, v uint64) msg {
	b := protowire.AppendTag(m, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func (m msg) bytes(num protowire.Number, v []byte) msg {
	b := protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func (m msg) str(num protowire.Number, s string) msg { return m.bytes(num, []byte(s)) }

func (m msg) sub(num protowire.Number, v msg) msg { return m.bytes(num, v) }

// model returns a ModelProto with ir_version 8, opset 17, producer "test"
// and graph g.
func model(g msg, extra ...func(msg) msg) msg {
	m := msg(nil).varint(modelIRVersion, 8).str(modelProducerName, "test").sub(modelGraph, g).
		sub(modelOpsetImport, msg(nil).str(1, "").varint(2, 17))
	for _, e := range extra {
		m = e(m)
	}
	return m
}

// graph returns a GraphProto named "g" with the given nodes and
// initializers.
func graph(nodes []msg, inits ...msg) msg {
	g := msg(nil)
	for _, n := range nodes {
		g = g.sub(graphNode, n)
	}
	g = g.str(graphName, "g")
	for _, t := range inits {
		g = g.sub(graphInitializer, t)
	}
	return g
}

// node returns a NodeProto; attrs are AttributeProtos.
func node(domain, op string, attrs ...msg) msg {
	n := msg(nil).str(1, "x").str(2, "y").str(nodeName, op+"_0").str(nodeOpType, op)
	for _, a := range attrs {
		n = n.sub(nodeAttribute, a)
	}
	if domain != "" {
		n = n.str(nodeDomain, domain)
	}
	return n
}

func attrGraph(name string, g msg) msg {
	return msg(nil).str(attrName, name).varint(20, 5).sub(attrG, g)
}
func attrStr(name, s string) msg { return msg(nil).str(attrName, name).varint(20, 3).str(attrS, s) }
func attrInt(name string, i int64) msg {
	return msg(nil).str(attrName, name).varint(20, 2).varint(attrI, uint64(i))
}

// tensor returns a float TensorProto with dims and raw data of n bytes.
func tensor(name string, n int, dims ...uint64) msg {
	t := msg(nil)
	for _, d := range dims {
		t = t.varint(tensorDims, d)
	}
	return t.varint(tensorDataType, 1).str(tensorName, name).bytes(tensorRawData, make([]byte, n))
}

// extTensor returns a TensorProto whose data lives at location.
func extTensor(name, location string) msg {
	return msg(nil).varint(tensorDims, 2).varint(tensorDataType, 1).str(tensorName, name).
		sub(tensorExternalData, msg(nil).str(1, "location").str(2, location)).
		sub(tensorExternalData, msg(nil).str(1, "length").str(2, "8")).
		varint(tensorDataLocation, dataLocationExternal)
}

// fileOf wraps b as a scanners.File.
func fileOf(b []byte) scanners.File {
	return scanners.File{Path: "m.onnx", Size: int64(len(b)), R: bytes.NewReader(b)}
}

func head(b []byte) []byte { return b[:min(len(b), scanners.HeadSize)] }

// benignModel is MatMul + Add + Relu with two initializers.
func benignModel() msg {
	return model(graph([]msg{node("", "MatMul"), node("", "Add"), node("", "Relu")},
		tensor("W", 48, 4, 3), tensor("B", 12, 3)))
}

// appendLen appends a tag and a length without the payload.
func appendLen(m msg, num protowire.Number, n uint64) msg {
	return protowire.AppendVarint(protowire.AppendTag(m, num, protowire.BytesType), n)
}

// sparseReader is data followed by zero bytes up to size; it counts what is
// read.
type sparseReader struct {
	data []byte
	size int64
	read int64
}

func (s *sparseReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), s.size-off))
	for i := range n {
		if o := off + int64(i); o < int64(len(s.data)) {
			p[i] = s.data[o]
		} else {
			p[i] = 0
		}
	}
	s.read += int64(n)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
