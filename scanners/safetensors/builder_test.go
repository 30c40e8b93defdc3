package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// withLen returns the 8-byte little-endian n followed by rest.
func withLen(n uint64, rest string) []byte {
	b := binary.LittleEndian.AppendUint64(nil, n)
	return append(b, rest...)
}

// file returns a file whose header is hdr, unpadded, followed by data zero
// bytes.
func file(hdr string, data int) []byte {
	return withLen(uint64(len(hdr)), hdr+strings.Repeat("\x00", data))
}

// at returns the file offset of the first sub in header hdr of a file made
// by file.
func at(hdr, sub string) int64 {
	i := strings.Index(hdr, sub)
	if i < 0 {
		panic("test bug: " + sub + " not in " + hdr)
	}
	return lengthSize + int64(i)
}

// spec is a tensor for build.
type spec struct {
	name  string
	dtype Dtype
	shape []uint64
}

// build writes a valid safetensors file laid out like the reference
// serializer's (a compact JSON header padded with spaces to a multiple of 8
// bytes, tensors back to back), with tensors sorted by name and a data buffer
// whose bytes count up.
func build(meta map[string]string, specs ...spec) []byte {
	specs = append([]spec(nil), specs...)
	sort.Slice(specs, func(i, j int) bool { return specs[i].name < specs[j].name })
	var hdr bytes.Buffer
	hdr.WriteByte('{')
	if meta != nil {
		m, _ := json.Marshal(meta)
		hdr.WriteString(`"__metadata__":`)
		hdr.Write(m)
	}
	var pos uint64
	for i, s := range specs {
		if i > 0 || meta != nil {
			hdr.WriteByte(',')
		}
		n, _ := product(s.shape)
		size := n * uint64(s.dtype.Bits()) / 8
		name, _ := json.Marshal(s.name)
		hdr.Write(name)
		hdr.WriteString(`:{"dtype":"` + string(s.dtype) + `","shape":[`)
		for j, d := range s.shape {
			if j > 0 {
				hdr.WriteByte(',')
			}
			hdr.WriteString(strconv.FormatUint(d, 10))
		}
		hdr.WriteString(`],"data_offsets":[` + strconv.FormatUint(pos, 10) + "," + strconv.FormatUint(pos+size, 10) + "]}")
		pos += size
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(hdr.Len()))
	out = append(out, hdr.Bytes()...)
	for i := range pos {
		out = append(out, byte(i))
	}
	return out
}

// manyTensors returns n specs of mixed dtypes and shapes.
func manyTensors(n int) []spec {
	dts := []Dtype{F32, BF16, F16, I64, U8, F8E4M3, F4}
	out := make([]spec, n)
	for i := range out {
		out[i] = spec{
			name:  "model.layers." + strconv.Itoa(i/8) + ".w" + strconv.Itoa(i%8) + ".weight",
			dtype: dts[i%len(dts)],
			shape: []uint64{uint64(i%5 + 1), 4},
		}
	}
	return out
}
