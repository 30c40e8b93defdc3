package tflite

import (
	"context"
	"io"
)

// Parse decodes the TFLite model in the size bytes of r within lim. A
// malformed file gets a *scanners.FormatError with the byte offset.
func Parse(r io.ReaderAt, size int64, lim Limits) (*Model, error) {
	m, err := parse(context.Background(), r, size, lim)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// parse is Parse that also returns what it decoded before an error: the
// operator codes come first, so the findings about them survive a broken
// subgraph.
func parse(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*Model, error) {
	b := &flat{r: r, size: size, pages: map[int64][]byte{}, lim: lim}
	m := &Model{Ops: map[string]int{}}
	if size < 8 {
		return m, b.errf(0, "%d bytes are too few for a FlatBuffer", size)
	}
	id, err := b.bytes(4, 4)
	if err != nil {
		return m, err
	}
	if string(id[:4]) != identifier {
		return m, b.errf(4, "file identifier is %q, not %q", id[:4], identifier)
	}
	root, err := b.deref(0)
	if err != nil {
		return m, err
	}
	t, err := b.table(root)
	if err != nil {
		return m, err
	}
	steps := []func(*flat, table, *Model) error{parseHeader, parseOpCodes, parseBuffers, parseMetadata}
	for _, step := range steps {
		if err := step(b, t, m); err != nil {
			return m, err
		}
	}
	if err := parseSubgraphs(ctx, b, t, m); err != nil {
		return m, err
	}
	if m.Version != schemaVersion {
		return m, b.errf(root, "schema version %d: the TFLite runtime loads only version %d", m.Version, schemaVersion)
	}
	return m, nil
}

func parseHeader(b *flat, t table, m *Model) error {
	v, _, err := b.scalar(t, 0, 4)
	if err != nil {
		return err
	}
	m.Version = uint32(v) //nolint:gosec // a 4-byte field
	m.Description, err = b.str(t, 3)
	return err
}

func parseOpCodes(b *flat, t table, m *Model) error {
	start, n, err := b.vector(t, 1, 4)
	if err != nil {
		return err
	}
	if n > int64(b.lim.maxOpCodes()) {
		return b.errf(start-4, "%d operator codes, more than %d", n, b.lim.maxOpCodes())
	}
	for i := range n {
		ot, err := b.subtable(start, i)
		if err != nil {
			return err
		}
		c := OpCode{Offset: ot.pos, Version: 1}
		dep, _, err := b.scalar(ot, 0, 1)
		if err != nil {
			return err
		}
		code, _, err := b.scalar(ot, 3, 4)
		if err != nil {
			return err
		}
		// The runtime takes the larger of the two codes (GetBuiltinCode in
		// schema_utils.cc).
		c.Builtin = max(int32(int8(dep)), int32(uint32(code))) //nolint:gosec // 1- and 4-byte signed fields
		if v, ok, err := b.scalar(ot, 2, 4); err != nil {
			return err
		} else if ok {
			c.Version = int32(uint32(v)) //nolint:gosec // a 4-byte signed field
		}
		if c.Custom, err = b.str(ot, 1); err != nil {
			return err
		}
		m.OpCodes = append(m.OpCodes, c)
	}
	return nil
}

func parseBuffers(b *flat, t table, m *Model) error {
	start, n, err := b.vector(t, 4, 4)
	if err != nil {
		return err
	}
	m.Buffers = int(n)
	for i := range n {
		bt, err := b.subtable(start, i)
		if err != nil {
			return err
		}
		off, _, err := b.scalar(bt, 1, 8)
		if err != nil {
			return err
		}
		sz, _, err := b.scalar(bt, 2, 8)
		if err != nil {
			return err
		}
		// Offsets above 1 place the data outside the FlatBuffer (models
		// over 2 GB); it must still lie in the file.
		if off > 1 && (off > uint64(b.size) || sz > uint64(b.size)-off) { //nolint:gosec // size >= 0
			return b.errf(bt.pos, "buffer %d: %d bytes at offset %d lie outside the %d-byte file", i, sz, off, b.size)
		}
	}
	return nil
}

func parseMetadata(b *flat, t table, m *Model) error {
	start, n, err := b.vector(t, 6, 4)
	if err != nil {
		return err
	}
	for i := range min(n, int64(b.lim.maxIO())) {
		mt, err := b.subtable(start, i)
		if err != nil {
			return err
		}
		name, err := b.str(mt, 0)
		if err != nil {
			return err
		}
		m.Metadata = append(m.Metadata, name)
	}
	return nil
}

func parseSubgraphs(ctx context.Context, b *flat, t table, m *Model) error {
	start, n, err := b.vector(t, 2, 4)
	if err != nil {
		return err
	}
	if n > int64(b.lim.maxSubgraphs()) {
		return b.errf(start-4, "%d subgraphs, more than %d", n, b.lim.maxSubgraphs())
	}
	ops := 0
	for i := range n {
		st, err := b.subtable(start, i)
		if err != nil {
			return err
		}
		m.Subgraphs = append(m.Subgraphs, Subgraph{})
		sg := &m.Subgraphs[len(m.Subgraphs)-1]
		if err := parseSubgraph(b, st, sg); err != nil {
			return err
		}
		ostart, on, err := b.vector(st, 3, 4)
		if err != nil {
			return err
		}
		if ops += int(on); ops > b.lim.maxOperators() {
			return b.errf(ostart-4, "more than %d operators", b.lim.maxOperators())
		}
		sg.Operators = int(on)
		for k := range on {
			if k&0xfff == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if err := countOp(b, ostart, k, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// countOp adds operator k of the vector at start to the histogram.
func countOp(b *flat, start, k int64, m *Model) error {
	ot, err := b.subtable(start, k)
	if err != nil {
		return err
	}
	idx, _, err := b.scalar(ot, 0, 4)
	if err != nil {
		return err
	}
	if idx >= uint64(len(m.OpCodes)) {
		return b.errf(ot.pos, "operator %d uses opcode_index %d of %d operator codes", k, idx, len(m.OpCodes))
	}
	m.Ops[m.OpCodes[idx].Name()]++
	return nil
}

// parseSubgraph reads a subgraph's name, counts and input/output tensors.
func parseSubgraph(b *flat, st table, sg *Subgraph) error {
	var err error
	if sg.Name, err = b.str(st, 4); err != nil {
		return err
	}
	tstart, tn, err := b.vector(st, 0, 4)
	if err != nil {
		return err
	}
	sg.Tensors = int(tn)
	for slot, list := range []*[]Tensor{1: &sg.Inputs, 2: &sg.Outputs} {
		if list == nil {
			continue
		}
		istart, in, err := b.vector(st, slot, 4)
		if err != nil {
			return err
		}
		for k := range min(in, int64(b.lim.maxIO())) {
			v, err := b.u32(istart + 4*k)
			if err != nil {
				return err
			}
			idx := int64(int32(v)) //nolint:gosec // a 4-byte signed field
			if idx < 0 || idx >= tn {
				return b.errf(istart+4*k, "tensor index %d out of range (%d tensors)", idx, tn)
			}
			tt, err := tensor(b, tstart, int64(v))
			if err != nil {
				return err
			}
			*list = append(*list, tt)
		}
	}
	return nil
}

// tensor reads tensor i of the vector at start: shape 0, type 1, name 3.
func tensor(b *flat, start, i int64) (Tensor, error) {
	out := Tensor{Index: int(i)}
	tt, err := b.subtable(start, i)
	if err != nil {
		return out, err
	}
	if out.Name, err = b.str(tt, 3); err != nil {
		return out, err
	}
	ty, _, err := b.scalar(tt, 1, 1)
	if err != nil {
		return out, err
	}
	out.Type = typeName(int8(ty)) //nolint:gosec // a 1-byte signed field
	sstart, sn, err := b.vector(tt, 0, 4)
	if err != nil {
		return out, err
	}
	for k := range min(sn, 64) {
		v, err := b.u32(sstart + 4*k)
		if err != nil {
			return out, err
		}
		out.Shape = append(out.Shape, int32(v)) //nolint:gosec // a 4-byte signed field
	}
	return out, nil
}
