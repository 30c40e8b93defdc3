package tensorflow

import "strconv"

// signatureEntry decodes one entry of MetaGraphDef.signature_def: key (1),
// SignatureDef (2: inputs 1, outputs 2, method_name 3).
func (p *parser) signatureEntry(mg *MetaGraph, m field, depth int) error {
	d := p.d
	if len(mg.Signatures) >= d.lim.maxNodes() {
		return d.errf(m.off, "more than %d signatures", d.lim.maxNodes())
	}
	mg.Signatures = append(mg.Signatures, Signature{})
	sig := &mg.Signatures[len(mg.Signatures)-1]
	return d.walk(m.start, m.end, depth+1, func(f field) error {
		var err error
		switch {
		case f.isBytes(1):
			sig.Key, err = d.str(f)
		case f.isBytes(2):
			err = d.walk(f.start, f.end, depth+2, func(g field) error {
				var err error
				switch {
				case g.isBytes(1):
					err = p.tensorEntry(&sig.Inputs, g, depth+2)
				case g.isBytes(2):
					err = p.tensorEntry(&sig.Outputs, g, depth+2)
				case g.isBytes(3):
					sig.Method, err = d.str(g)
				}
				return err
			})
		}
		return err
	})
}

// tensorEntry decodes one entry of SignatureDef.inputs or outputs: key (1),
// TensorInfo (2: name 1, dtype 2, tensor_shape 3).
func (p *parser) tensorEntry(list *[]TensorInfo, m field, depth int) error {
	d := p.d
	if err := p.ref(m); err != nil {
		return err
	}
	*list = append(*list, TensorInfo{})
	ti := &(*list)[len(*list)-1]
	return d.walk(m.start, m.end, depth+1, func(f field) error {
		var err error
		switch {
		case f.isBytes(1):
			ti.Key, err = d.str(f)
		case f.isBytes(2):
			err = d.walk(f.start, f.end, depth+2, func(g field) error {
				var err error
				switch {
				case g.isBytes(1):
					ti.Name, err = d.str(g)
				case g.isVarint(2):
					ti.Dtype = dtypeName(g.val)
				case g.isBytes(3):
					ti.Shape = ti.Shape[:0]
					err = p.shape(ti, g, depth+2)
				}
				return err
			})
		}
		return err
	})
}

// shape decodes a TensorShapeProto: dim (2: size 1), unknown_rank (3).
func (p *parser) shape(ti *TensorInfo, m field, depth int) error {
	d := p.d
	return d.walk(m.start, m.end, depth+1, func(f field) error {
		switch {
		case f.isBytes(2):
			if err := p.ref(f); err != nil {
				return err
			}
			var size int64
			err := d.walk(f.start, f.end, depth+2, func(g field) error {
				if g.isVarint(1) {
					size = int64(g.val) //nolint:gosec // protobuf int64 is the varint's two's complement
				}
				return nil
			})
			ti.Shape = append(ti.Shape, size)
			return err
		case f.isVarint(3):
			ti.UnknownRank = f.val != 0
		}
		return nil
	})
}

// dtypes are the names of tensorflow.DataType values (types.proto), without
// the "DT_" prefix.
var dtypes = map[uint64]string{
	0: "INVALID", 1: "FLOAT", 2: "DOUBLE", 3: "INT32", 4: "UINT8", 5: "INT16", 6: "INT8", 7: "STRING",
	8: "COMPLEX64", 9: "INT64", 10: "BOOL", 11: "QINT8", 12: "QUINT8", 13: "QINT32", 14: "BFLOAT16",
	15: "QINT16", 16: "QUINT16", 17: "UINT16", 18: "COMPLEX128", 19: "HALF", 20: "RESOURCE", 21: "VARIANT",
	22: "UINT32", 23: "UINT64", 24: "FLOAT8_E5M2", 25: "FLOAT8_E4M3FN", 26: "FLOAT8_E4M3FNUZ",
	27: "FLOAT8_E4M3B11FNUZ", 28: "FLOAT8_E5M2FNUZ", 29: "INT4", 30: "UINT4", 31: "INT2", 32: "UINT2",
}

func dtypeName(v uint64) string {
	if n, ok := dtypes[v]; ok {
		return n
	}
	if v > 100 && v-100 < 100 {
		if n, ok := dtypes[v-100]; ok {
			return n + "_REF"
		}
	}
	return strconv.FormatUint(v, 10)
}
