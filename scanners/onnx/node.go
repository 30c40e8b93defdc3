package onnx

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of NodeProto.
const (
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5
	nodeDomain    = 7
)

// Field numbers of AttributeProto.
const (
	attrName         = 1
	attrI            = 3
	attrS            = 4
	attrT            = 5
	attrG            = 6
	attrTensors      = 10
	attrGraphs       = 11
	attrSparseTensor = 22
	attrSparseTensrs = 23
)

// attr is what a node's attribute says that the rules need: its name and,
// for a few names, its int or (short) string value.
type attr struct {
	name  string
	i     int64
	hasI  bool
	s     string
	hasS  bool
	clipS bool
	off   int64
}

// watchedAttrs are the attributes whose string values the rules read:
// EPContext's cache file and the Python operators' module and function.
var watchedAttrs = map[string]bool{
	"ep_cache_context": true, "embed_mode": true,
	"module": true, "class_name": true, "compute": true, "func_name": true,
}

// nodeInfo is what node collects before it can be classified (op_type and
// domain may follow the attributes).
type nodeInfo struct {
	opType, domain, name string
	off                  int64
	attrs                []attr
}

func (p *parser) node(off, end int64) error {
	n := nodeInfo{off: off}
	err := p.each(off, end, func(f field) error {
		if f.typ != protowire.BytesType {
			return nil
		}
		var err error
		switch f.num {
		case nodeOpType:
			n.opType, _, err = p.str(f, maxName)
		case nodeDomain:
			n.domain, _, err = p.str(f, maxName)
		case nodeName:
			n.name, _, err = p.str(f, maxName)
		case nodeAttribute:
			err = p.message(f, func(off, end int64) error {
				a, err := p.attribute(off, end)
				if watchedAttrs[a.name] && len(n.attrs) < 16 {
					n.attrs = append(n.attrs, a)
				}
				return err
			})
		default:
		}
		return err
	})
	p.m.addNode(&n)
	return err
}

// attribute walks an AttributeProto: its graphs and tensors are walked
// like the main graph's, for nested operators and external data.
func (p *parser) attribute(off, end int64) (attr, error) {
	a := attr{off: off}
	var str field
	err := p.each(off, end, func(f field) error {
		var err error
		switch {
		case f.num == attrI && f.typ == protowire.VarintType:
			a.i, a.hasI = int64(f.val), true //nolint:gosec // int64 field
		case f.typ != protowire.BytesType:
		case f.num == attrName:
			a.name, _, err = p.str(f, maxName)
		case f.num == attrS:
			str, a.hasS = f, true
		case f.num == attrG, f.num == attrGraphs:
			err = p.subgraph(f)
		case f.num == attrT, f.num == attrTensors:
			err = p.message(f, func(off, end int64) error { _, err := p.tensor(off, end); return err })
		case f.num == attrSparseTensor, f.num == attrSparseTensrs:
			err = p.message(f, func(off, end int64) error { _, err := p.sparseTensor(off, end); return err })
		}
		return err
	})
	if err == nil && a.hasS && watchedAttrs[a.name] {
		// Read only now that the name is known: an embedded EPContext blob
		// can be large, and only a path is worth keeping.
		a.s, a.clipS, err = p.str(str, maxPath)
		a.off = str.start
	}
	return a, err
}
