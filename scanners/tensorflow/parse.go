package tensorflow

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Parse decodes the SavedModel protobuf in the size bytes of r within lim.
// A malformed file gets a *scanners.FormatError with the byte offset.
func Parse(r io.ReaderAt, size int64, lim Limits) (*SavedModel, error) {
	m, err := parse(context.Background(), r, size, lim)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// parse is Parse that also returns what it decoded before an error.
func parse(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*SavedModel, error) {
	d := &decoder{ctx: ctx, w: window{r: r, size: size}, lim: lim}
	p := &parser{d: d}
	m := &SavedModel{}
	if size == 0 {
		return m, d.errf(0, "empty file")
	}
	err := d.walk(0, size, 1, func(f field) error {
		switch {
		case f.isVarint(1):
			m.SchemaVersion = int64(f.val) //nolint:gosec // protobuf int64 is the varint's two's complement
		case f.isBytes(2):
			if len(m.MetaGraphs) >= lim.maxMetaGraphs() {
				return d.errf(f.off, "more than %d meta graphs", lim.maxMetaGraphs())
			}
			mg := &MetaGraph{Offset: f.off, Ops: map[string]int{}}
			m.MetaGraphs = append(m.MetaGraphs, mg)
			return p.metaGraph(mg, f, 2)
		}
		return nil
	})
	for _, mg := range m.MetaGraphs {
		mg.count()
	}
	if err == nil && len(m.MetaGraphs) == 0 {
		err = d.errf(0, "no meta graphs")
	}
	var fe *scanners.FormatError
	if err != nil && !errors.As(err, &fe) && ctx.Err() == nil {
		err = d.errf(0, "%v", err)
	}
	return m, err
}

// count fills Ops.
func (mg *MetaGraph) count() {
	for _, n := range mg.Nodes {
		mg.Ops[n.Op]++
	}
	for _, fn := range mg.Functions {
		for _, n := range fn.Nodes {
			mg.Ops[n.Op]++
		}
	}
}

// parser keeps the counts that Limits bound.
type parser struct {
	d     *decoder
	nodes int
	refs  int
}

func (p *parser) metaGraph(mg *MetaGraph, m field, depth int) error {
	d := p.d
	return d.walk(m.start, m.end, depth+1, func(f field) error {
		switch {
		case f.isBytes(1):
			return p.metaInfo(mg, f, depth+1)
		case f.isBytes(2):
			return p.graph(mg, f, depth+1)
		case f.isBytes(3):
			return p.saver(mg, f, depth+1)
		case f.isBytes(4):
			return p.collection(mg, f, depth+1)
		case f.isBytes(5):
			return p.signatureEntry(mg, f, depth+1)
		case f.isBytes(7):
			return d.walk(f.start, f.end, depth+2, func(g field) error {
				switch {
				case g.isBytes(1):
					mg.ObjectNodes++
				case g.isBytes(2):
					mg.ConcreteFunctions++
				}
				return nil
			})
		}
		return nil
	})
}

// mapEntry decodes an entry of a protobuf map<string, Message>: the key
// (field 1) and the value's field (field 2; zero when absent).
func (d *decoder) mapEntry(m field, depth int) (key string, val field, err error) {
	err = d.walk(m.start, m.end, depth+1, func(f field) error {
		var err error
		switch {
		case f.isBytes(1):
			key, err = d.str(f)
		case f.isBytes(2):
			val = f
		}
		return err
	})
	return key, val, err
}

// loadCollections are the collection_def keys whose nodes TF1 loaders run
// at load time (tf.saved_model main op and legacy init op).
var loadCollections = map[string]bool{"saved_model_main_op": true, "legacy_init_op": true}

// collection decodes one entry of MetaGraphDef.collection_def, keeping the
// node names (CollectionDef.node_list 1, NodeList.value 1) of the
// collections in loadCollections.
func (p *parser) collection(mg *MetaGraph, m field, depth int) error {
	d := p.d
	key, val, err := d.mapEntry(m, depth)
	if err != nil || !loadCollections[key] || val.end == 0 {
		return err
	}
	return d.walk(val.start, val.end, depth+2, func(f field) error {
		if !f.isBytes(1) {
			return nil
		}
		return d.walk(f.start, f.end, depth+3, func(g field) error {
			if !g.isBytes(1) {
				return nil
			}
			s, err := d.str(g)
			if err == nil {
				err = p.ref(g)
			}
			mg.InitOps = append(mg.InitOps, s)
			return err
		})
	})
}

func (p *parser) metaInfo(mg *MetaGraph, m field, depth int) error {
	d := p.d
	return d.walk(m.start, m.end, depth+1, func(f field) error {
		var err error
		switch {
		case f.isBytes(4):
			var s string
			s, err = d.str(f)
			if len(mg.Tags) < 256 {
				mg.Tags = append(mg.Tags, s)
			}
		case f.isBytes(5):
			mg.TFVersion, err = d.str(f)
		case f.isBytes(6):
			mg.TFGitVersion, err = d.str(f)
		}
		return err
	})
}

func (p *parser) saver(mg *MetaGraph, m field, depth int) error {
	d := p.d
	if mg.Saver == nil {
		mg.Saver = &Saver{}
	}
	s := mg.Saver
	return d.walk(m.start, m.end, depth+1, func(f field) error {
		var err error
		switch {
		case f.isBytes(1):
			s.FilenameTensor, err = d.str(f)
		case f.isBytes(2):
			s.SaveTensor, err = d.str(f)
		case f.isBytes(3):
			s.RestoreOp, err = d.str(f)
		}
		return err
	})
}

// graph decodes a GraphDef: nodes (1) and the function library (2).
func (p *parser) graph(mg *MetaGraph, m field, depth int) error {
	d := p.d
	return d.walk(m.start, m.end, depth+1, func(f field) error {
		switch {
		case f.isBytes(1):
			n, err := p.node(f, depth+1, true)
			mg.Nodes = append(mg.Nodes, n)
			return err
		case f.isBytes(2):
			return d.walk(f.start, f.end, depth+2, func(g field) error {
				if !g.isBytes(1) {
					return nil
				}
				mg.Functions = append(mg.Functions, Function{Offset: g.off})
				return p.function(&mg.Functions[len(mg.Functions)-1], g, depth+2)
			})
		}
		return nil
	})
}

// function decodes a FunctionDef: signature (1, an OpDef named by its field
// 1) and node_def (3).
func (p *parser) function(fn *Function, m field, depth int) error {
	d := p.d
	return d.walk(m.start, m.end, depth+1, func(f field) error {
		switch {
		case f.isBytes(1):
			return d.walk(f.start, f.end, depth+2, func(g field) error {
				var err error
				if g.isBytes(1) {
					fn.Name, err = d.str(g)
				}
				return err
			})
		case f.isBytes(3):
			n, err := p.node(f, depth+1, false)
			fn.Nodes = append(fn.Nodes, n)
			return err
		}
		return nil
	})
}

// node decodes a NodeDef: name (1), op (2), input (3), device (4), attr (5).
func (p *parser) node(m field, depth int, keepInputs bool) (Node, error) {
	d := p.d
	n := Node{Offset: m.off}
	if p.nodes++; p.nodes > d.lim.maxNodes() {
		return n, d.errf(m.off, "more than %d nodes", d.lim.maxNodes())
	}
	err := d.walk(m.start, m.end, depth+1, func(f field) error {
		var err error
		switch {
		case f.isBytes(1):
			n.Name, err = d.str(f)
		case f.isBytes(2):
			n.Op, err = d.str(f)
		case f.isBytes(3) && keepInputs:
			if err := p.ref(f); err != nil {
				return err
			}
			var s string
			s, err = d.str(f)
			n.Inputs = append(n.Inputs, inputNode(s))
		case f.isBytes(4):
			n.Device, err = d.str(f)
		case f.isBytes(5):
			err = p.attrEntry(&n, f, depth+1)
		}
		return err
	})
	return n, err
}

// ref counts one kept reference (input, call, attribute value) against
// Limits.MaxInputs.
func (p *parser) ref(f field) error {
	if p.refs++; p.refs > p.d.lim.maxInputs() {
		return p.d.errf(f.off, "more than %d node inputs, calls and attribute values", p.d.lim.maxInputs())
	}
	return nil
}

// inputNode returns the node named by a NodeDef input: "^ctrl" is a control
// input, "name:1" output 1 of name.
func inputNode(s string) string {
	s = strings.TrimPrefix(s, "^")
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if _, err := strconv.Atoi(s[i+1:]); err == nil {
			return s[:i]
		}
	}
	return s
}

// attrEntry decodes one entry of NodeDef.attr: key (1), AttrValue (2).
func (p *parser) attrEntry(n *Node, m field, depth int) error {
	d := p.d
	key, val, err := d.mapEntry(m, depth)
	if err != nil || val.end == 0 {
		return err
	}
	return p.attrValue(n, key, val, depth+1)
}

// riskyAttrs are the attributes whose string values are kept.
var riskyAttrs = map[string]bool{"debug_urls": true, "descriptor_source": true, "output_stream": true}

// attrValue decodes an AttrValue: list (1: ListValue with s 2, func 9),
// s (2) and func (10: NameAttrList with name 1 and attr 2).
func (p *parser) attrValue(n *Node, key string, m field, depth int) error {
	d := p.d
	str := func(f field) error {
		if !riskyAttrs[key] {
			return nil
		}
		s, err := d.str(f)
		if err == nil {
			err = p.ref(f)
		}
		n.Risky = append(n.Risky, key+"="+s)
		return err
	}
	return d.walk(m.start, m.end, depth+1, func(f field) error {
		switch {
		case f.isBytes(2):
			return str(f)
		case f.isBytes(10):
			return p.nameAttrList(n, f, depth+1)
		case f.isBytes(1):
			return d.walk(f.start, f.end, depth+2, func(g field) error {
				switch {
				case g.isBytes(2):
					return str(g)
				case g.isBytes(9):
					return p.nameAttrList(n, g, depth+2)
				}
				return nil
			})
		}
		return nil
	})
}

// nameAttrList records the function a NameAttrList names and looks into
// its own attrs for more.
func (p *parser) nameAttrList(n *Node, m field, depth int) error {
	d := p.d
	return d.walk(m.start, m.end, depth+1, func(f field) error {
		switch {
		case f.isBytes(1):
			s, err := d.str(f)
			if err != nil {
				return err
			}
			if err := p.ref(f); err != nil {
				return err
			}
			n.Calls = append(n.Calls, s)
			return nil
		case f.isBytes(2):
			return p.attrEntry(n, f, depth+1)
		}
		return nil
	})
}
