package onnx

import (
	"context"
	"io"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Field numbers of ModelProto (onnx/onnx.proto).
const (
	modelIRVersion     = 1
	modelProducerName  = 2
	modelProducerVer   = 3
	modelDomain        = 4
	modelModelVersion  = 5
	modelDocString     = 6
	modelGraph         = 7
	modelOpsetImport   = 8
	modelMetadataProps = 14
	modelTrainingInfo  = 20
	modelFunctions     = 25
)

// maxName is the most bytes kept of a tensor, value, operator or function
// name.
const maxName = 256

// parser walks one file.
type parser struct {
	ctx   context.Context
	c     *cursor
	lim   Limits
	m     *Model
	depth int
	ticks int
	// graphs counts the graphs being walked: 0 outside any, 1 in the main
	// graph.
	graphs int
}

// Parse reads the ONNX model of size bytes from r. Every error is a
// *scanners.FormatError whose Offset is the byte offset of the problem.
// On error Parse still returns the Model with what it read before it (nil
// only for a file too short to hold a model): a scanner reports what it saw.
func Parse(r io.ReaderAt, size int64, lim Limits) (*Model, error) {
	return parseContext(context.Background(), r, size, lim)
}

func parseContext(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*Model, error) {
	if size <= 0 {
		return nil, scanners.Errorf(format, 0, "file is empty")
	}
	p := &parser{ctx: ctx, c: newCursor(r, size), lim: lim.withDefaults()}
	p.m = newModel(p.lim)
	err := p.message(field{start: 0, end: size}, p.model)
	p.m.finish()
	if err == nil && p.m.IRVersion == 0 {
		err = scanners.Errorf(format, 0, "ModelProto has no ir_version")
	}
	return p.m, err
}

// enter goes one message deeper.
func (p *parser) enter(off int64) error {
	if p.depth >= p.lim.MaxDepth {
		return scanners.Errorf(format, off, "messages nested more than %d deep", p.lim.MaxDepth)
	}
	p.depth++
	return nil
}

func (p *parser) leave() { p.depth-- }

// tick checks ctx now and then.
func (p *parser) tick(off int64) error {
	if p.ticks++; p.ticks&4095 != 0 {
		return nil
	}
	if err := p.ctx.Err(); err != nil {
		return scanners.Errorf(format, off, "scan stopped: %v", err)
	}
	return nil
}

func (p *parser) model(off, end int64) error {
	m := p.m
	return p.each(off, end, func(f field) error {
		var err error
		switch {
		case f.num == modelIRVersion && f.typ == protowire.VarintType:
			m.IRVersion = int64(f.val) //nolint:gosec // int64 field
		case f.num == modelModelVersion && f.typ == protowire.VarintType:
			m.ModelVersion = int64(f.val) //nolint:gosec // int64 field
		case f.typ != protowire.BytesType:
		case f.num == modelProducerName:
			m.ProducerName, _, err = p.str(f, maxName)
		case f.num == modelProducerVer:
			m.ProducerVersion, _, err = p.str(f, maxName)
		case f.num == modelDomain:
			m.Domain, _, err = p.str(f, maxName)
		case f.num == modelDocString:
			m.DocString, err = p.text(f)
		case f.num == modelGraph:
			err = p.message(f, p.graph)
		case f.num == modelOpsetImport:
			err = p.message(f, p.opset)
		case f.num == modelMetadataProps:
			err = p.message(f, p.property)
		case f.num == modelTrainingInfo:
			err = p.message(f, p.trainingInfo)
		case f.num == modelFunctions:
			err = p.message(f, p.function)
		}
		return err
	})
}

func (p *parser) opset(off, end int64) error {
	var o Opset
	err := p.each(off, end, func(f field) error {
		var err error
		switch {
		case f.num == 1 && f.typ == protowire.BytesType:
			o.Domain, _, err = p.str(f, maxName)
		case f.num == 2 && f.typ == protowire.VarintType:
			o.Version = int64(f.val) //nolint:gosec // int64 field
		}
		return err
	})
	if len(p.m.Opsets) < p.lim.MaxRecords && p.graphs == 0 && p.depth == 2 {
		p.m.Opsets = append(p.m.Opsets, o)
	}
	return err
}

// entry reads a StringStringEntryProto, clipping the key to maxName and the
// value to limit bytes.
func (p *parser) entry(off, end int64, limit int) (key, value string, clipped bool, err error) {
	err = p.each(off, end, func(f field) error {
		if f.typ != protowire.BytesType {
			return nil
		}
		var err error
		switch f.num {
		case 1:
			key, _, err = p.str(f, maxName)
		case 2:
			value, clipped, err = p.str(f, limit)
		default:
		}
		return err
	})
	return key, value, clipped, err
}

func (p *parser) property(off, end int64) error {
	k, v, _, err := p.entry(off, end, p.lim.MaxString)
	if len(p.m.Metadata) < min(p.lim.MaxRecords, 1024) {
		p.m.Metadata = append(p.m.Metadata, Property{k, v})
	}
	return err
}

func (p *parser) trainingInfo(off, end int64) error {
	return p.each(off, end, func(f field) error {
		if (f.num == 1 || f.num == 2) && f.typ == protowire.BytesType {
			return p.subgraph(f)
		}
		return nil
	})
}

// subgraph walks a graph that is not the model's main graph.
func (p *parser) subgraph(f field) error {
	p.m.Subgraphs++
	p.graphs += 2 // never 1: not the main graph
	defer func() { p.graphs -= 2 }()
	return p.message(f, p.graph)
}

// Field numbers of FunctionProto.
const (
	fnName      = 1
	fnAttrProto = 11
	fnNode      = 7
	fnOpset     = 9
	fnDomain    = 10
)

func (p *parser) function(off, end int64) error {
	var fn Function
	p.graphs += 2
	defer func() { p.graphs -= 2 }()
	err := p.each(off, end, func(f field) error {
		if f.typ != protowire.BytesType {
			return nil
		}
		var err error
		switch f.num {
		case fnName:
			fn.Name, _, err = p.str(f, maxName)
		case fnDomain:
			fn.Domain, _, err = p.str(f, maxName)
		case fnNode:
			fn.Nodes++
			err = p.message(f, p.node)
		case fnAttrProto:
			err = p.message(f, func(off, end int64) error { _, err := p.attribute(off, end); return err })
		case fnOpset:
			err = p.message(f, p.opset)
		default:
		}
		return err
	})
	p.m.state.funcs[opKey{fn.Domain, fn.Name}] = true
	if len(p.m.Functions) < min(p.lim.MaxRecords, 4096) {
		p.m.Functions = append(p.m.Functions, fn)
	}
	return err
}

// Field numbers of GraphProto.
const (
	graphNode        = 1
	graphName        = 2
	graphInitializer = 5
	graphSparseInit  = 15
	graphInput       = 11
	graphOutput      = 12
)

func (p *parser) graph(off, end int64) error {
	p.graphs++
	defer func() { p.graphs-- }()
	main := p.graphs == 1
	return p.each(off, end, func(f field) error {
		if f.typ != protowire.BytesType {
			return nil
		}
		var err error
		switch f.num {
		case graphNode:
			err = p.message(f, p.node)
		case graphName:
			if main {
				p.m.GraphName, _, err = p.str(f, maxName)
			}
		case graphInitializer:
			err = p.message(f, func(off, end int64) error { return p.initializer(f.off, off, end) })
		case graphSparseInit:
			err = p.message(f, func(off, end int64) error { return p.sparseInitializer(f.off, off, end) })
		case graphInput, graphOutput:
			err = p.message(f, func(off, end int64) error { return p.valueInfo(off, end, main, f.num == graphInput) })
		default:
		}
		return err
	})
}
