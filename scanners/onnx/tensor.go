package onnx

import (
	"math"
	"math/bits"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of TensorProto.
const (
	tensorDims         = 1
	tensorDataType     = 2
	tensorName         = 8
	tensorRawData      = 9
	tensorExternalData = 13
	tensorDataLocation = 14
)

// dataLocationExternal is TensorProto.DataLocation EXTERNAL.
const dataLocationExternal = 1

// tensor walks a TensorProto, recording its external data, and returns
// what an Initializer needs. raw_data is skipped, never read.
func (p *parser) tensor(off, end int64) (Initializer, error) {
	t := Initializer{Offset: off, Params: 1}
	var locs []extRef
	err := p.each(off, end, func(f field) error {
		var err error
		switch {
		case f.num == tensorDims:
			err = p.int64s(f, t.addDim)
		case f.num == tensorDataType && f.typ == protowire.VarintType:
			t.DataType = int32(f.val) //nolint:gosec // int32 field: protobuf truncates
		case f.num == tensorDataLocation && f.typ == protowire.VarintType:
			t.External = int32(f.val) == dataLocationExternal //nolint:gosec // enum field
		case f.typ != protowire.BytesType:
		case f.num == tensorName:
			t.Name, _, err = p.str(f, maxName)
		case f.num == tensorRawData:
			t.RawBytes += f.end - f.start
		case f.num == tensorExternalData:
			err = p.message(f, func(off, end int64) error {
				k, v, clipped, err := p.entry(off, end, maxPath)
				if k == "location" {
					locs = append(locs[:min(len(locs), 15)], extRef{loc: v, clipped: clipped, off: off})
				}
				return err
			})
		}
		return err
	})
	for _, l := range locs {
		// Every location entry counts, whatever data_location says and
		// whichever entry a loader would pick.
		p.m.addExternal(l)
	}
	if len(locs) > 0 {
		t.Location = clip(locs[len(locs)-1].loc, maxName)
	}
	return t, err
}

// addDim multiplies a dimension into the element count and records it.
func (t *Initializer) addDim(d int64) {
	if len(t.Dims) < maxRank {
		t.Dims = append(t.Dims, d)
	}
	if d < 0 {
		t.Params = 0
		return
	}
	hi, lo := bits.Mul64(t.Params, uint64(d))
	if hi != 0 {
		lo = math.MaxUint64
	}
	t.Params = lo
}

// initializer records a graph initializer at tag offset tagOff.
func (p *parser) initializer(tagOff, off, end int64) error {
	t, err := p.tensor(off, end)
	t.Offset = tagOff
	p.m.addInitializer(t, p.lim.MaxRecords)
	return err
}

// Field numbers of SparseTensorProto.
const (
	sparseValues  = 1
	sparseIndices = 2
	sparseDims    = 3
)

// sparseTensor walks a SparseTensorProto; the result has the values'
// name and type and the dense shape.
func (p *parser) sparseTensor(off, end int64) (Initializer, error) {
	t := Initializer{Offset: off, Params: 1, Sparse: true}
	err := p.each(off, end, func(f field) error {
		switch {
		case f.num == sparseDims:
			return p.int64s(f, t.addDim)
		case f.typ != protowire.BytesType:
			return nil
		case f.num == sparseValues, f.num == sparseIndices:
			return p.message(f, func(off, end int64) error {
				v, err := p.tensor(off, end)
				if f.num == sparseValues {
					t.Name, t.DataType, t.RawBytes = v.Name, v.DataType, t.RawBytes+v.RawBytes
					t.External, t.Location = v.External, v.Location
				}
				return err
			})
		}
		return nil
	})
	return t, err
}

func (p *parser) sparseInitializer(tagOff, off, end int64) error {
	t, err := p.sparseTensor(off, end)
	t.Offset = tagOff
	p.m.addInitializer(t, p.lim.MaxRecords)
	return err
}

// Field numbers of ValueInfoProto, TypeProto and its parts.
const (
	viName         = 1
	viType         = 2
	typeTensor     = 1
	typeSequence   = 4
	typeMap        = 5
	typeSparse     = 8
	typeOptional   = 9
	mapValueType   = 2
	ttElemType     = 1
	ttShape        = 2
	shapeDim       = 1
	dimValue       = 1
	dimParam       = 2
	elemTypeNested = 1
)

// typeKinds names the members of TypeProto's value oneof.
var typeKinds = map[protowire.Number]string{typeTensor: "tensor", typeSparse: "sparse_tensor",
	typeSequence: "sequence", typeMap: "map", typeOptional: "optional"}

// valueInfo reads a graph input or output, recording it when the graph is
// the main one.
func (p *parser) valueInfo(off, end int64, main, input bool) error {
	var v ValueInfo
	err := p.each(off, end, func(f field) error {
		if f.typ != protowire.BytesType {
			return nil
		}
		var err error
		switch f.num {
		case viName:
			v.Name, _, err = p.str(f, maxName)
		case viType:
			err = p.message(f, func(off, end int64) error { return p.typeProto(off, end, &v) })
		default:
		}
		return err
	})
	if !main {
		return err
	}
	list := &p.m.Outputs
	if input {
		list = &p.m.Inputs
	}
	if len(*list) < p.lim.MaxRecords {
		*list = append(*list, v)
	}
	return err
}

// typeProto reads a TypeProto into v; v is nil for nested element types,
// which are only checked.
func (p *parser) typeProto(off, end int64, v *ValueInfo) error {
	return p.each(off, end, func(f field) error {
		if f.typ != protowire.BytesType {
			return nil
		}
		kind, ok := typeKinds[f.num]
		if !ok {
			return nil
		}
		if v != nil {
			v.Kind = kind
		}
		return p.message(f, func(off, end int64) error {
			if f.num == typeTensor || f.num == typeSparse {
				return p.tensorType(off, end, v)
			}
			return p.each(off, end, func(g field) error {
				nested := (g.num == elemTypeNested && f.num != typeMap) || (g.num == mapValueType && f.num == typeMap)
				if nested && g.typ == protowire.BytesType {
					return p.message(g, func(off, end int64) error { return p.typeProto(off, end, nil) })
				}
				return nil
			})
		})
	})
}

// tensorType reads TypeProto.Tensor (or SparseTensor) into v (nil: only
// checked).
func (p *parser) tensorType(off, end int64, v *ValueInfo) error {
	return p.each(off, end, func(f field) error {
		switch {
		case f.num == ttElemType && f.typ == protowire.VarintType && v != nil:
			v.ElemType = int32(f.val) //nolint:gosec // int32 field
		case f.num == ttShape && f.typ == protowire.BytesType:
			if v != nil && v.Shape == nil {
				v.Shape = []Dim{}
			}
			return p.message(f, func(off, end int64) error { return p.shape(off, end, v) })
		}
		return nil
	})
}

func (p *parser) shape(off, end int64, v *ValueInfo) error {
	return p.each(off, end, func(f field) error {
		if f.num != shapeDim || f.typ != protowire.BytesType {
			return nil
		}
		var d Dim
		err := p.message(f, func(off, end int64) error {
			return p.each(off, end, func(g field) error {
				var err error
				switch {
				case g.num == dimValue && g.typ == protowire.VarintType:
					d.Value, d.Param, d.Known = int64(g.val), "", true //nolint:gosec // int64 field
				case g.num == dimParam && g.typ == protowire.BytesType:
					d.Param, _, err = p.str(g, maxName)
					d.Value, d.Known = 0, true
				}
				return err
			})
		})
		if v != nil && len(v.Shape) < maxRank {
			v.Shape = append(v.Shape, d)
		}
		return err
	})
}
