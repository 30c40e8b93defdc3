package keras

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// h5Attr is one root attribute written by h5Builder.
type h5Attr struct {
	name, value string
	vlen        bool
}

// h5Builder writes small HDF5 files with sizes of offsets and lengths of 8:
// superblock version 0 with a version 1 root object header (v2 false), or
// superblock version 2 with a version 2 ("OHDR") header.
type h5Builder struct {
	v2 bool
	// userBlock bytes precede the superblock.
	userBlock int
	attrs     []h5Attr
	// continuation moves the attribute messages to a continuation block.
	continuation bool
	// extra messages (type, flags, data) are added to the root header.
	extra []h5Msg
	// eof overrides the end-of-file address when not zero.
	eof uint64
}

type h5Msg struct {
	typ   uint16
	flags byte
	data  []byte
}

func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

const undef = ^uint64(0)

// attrMsg encodes an attribute message (version 1 for v1 headers, 3 for v2);
// heap is the address of the global heap collection for vlen strings.
func attrMsg(a h5Attr, v2 bool, heap uint64, idx uint32) []byte {
	name := append([]byte(a.name), 0)
	var dt []byte
	if a.vlen {
		dt = []byte{0x19, 0x01, 0, 0, 16, 0, 0, 0, 0x13, 0, 0, 0, 1, 0, 0, 0}
	} else {
		dt = binary.LittleEndian.AppendUint32([]byte{0x13, 0, 0, 0}, uint32(len(a.value)))
	}
	ds := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	if v2 {
		ds = []byte{2, 0, 0, 0}
	}
	var data []byte
	if a.vlen {
		data = binary.LittleEndian.AppendUint32(nil, uint32(len(a.value)))
		data = append(data, le64(heap)...)
		data = binary.LittleEndian.AppendUint32(data, idx)
	} else {
		data = []byte(a.value)
	}
	var b []byte
	if v2 {
		b = []byte{3, 0}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dt)))
		b = binary.LittleEndian.AppendUint16(b, uint16(len(ds)))
		b = append(b, 0)
		b = append(append(append(b, name...), dt...), ds...)
		return append(b, data...)
	}
	b = []byte{1, 0}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(dt)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(ds)))
	b = append(b, pad(name)...)
	b = append(b, pad(dt)...)
	b = append(b, pad(ds)...)
	return append(b, data...)
}

func pad(b []byte) []byte { return append(b, make([]byte, pad8(len(b))-len(b))...) }

// encodeMsgs encodes messages in the v1 or v2 layout.
func encodeMsgs(msgs []h5Msg, v2 bool) []byte {
	var out []byte
	for _, m := range msgs {
		if v2 {
			out = append(out, byte(m.typ))
			out = binary.LittleEndian.AppendUint16(out, uint16(len(m.data)))
			out = append(out, m.flags)
			out = append(out, m.data...)
			continue
		}
		d := pad(append([]byte(nil), m.data...))
		out = binary.LittleEndian.AppendUint16(out, m.typ)
		out = binary.LittleEndian.AppendUint16(out, uint16(len(d)))
		out = append(out, m.flags, 0, 0, 0)
		out = append(out, d...)
	}
	return out
}

// gcol encodes a global heap collection holding objects 1..n.
func gcol(objs []string) []byte {
	var body []byte
	for i, o := range objs {
		body = binary.LittleEndian.AppendUint16(body, uint16(i+1))
		body = append(body, 1, 0, 0, 0, 0, 0)
		body = append(body, le64(uint64(len(o)))...)
		body = append(body, pad([]byte(o))...)
	}
	body = append(body, make([]byte, 16)...) // free space, object 0
	b := append([]byte("GCOL\x01\x00\x00\x00"), le64(uint64(16+len(body)))...)
	return append(b, body...)
}

// build lays out: user block, superblock, root object header, optional
// continuation block, global heap collection.
func (hb h5Builder) build() []byte {
	sbLen := 96
	if hb.v2 {
		sbLen = 48
	}
	root := uint64(sbLen)
	// Messages are encoded twice: once to learn the sizes, then with the
	// final addresses (their sizes do not depend on them).
	layout := func(heap, cont uint64) (hdr, contBlock []byte) {
		var attrs []h5Msg
		var vi uint32
		for _, a := range hb.attrs {
			idx := uint32(0)
			if a.vlen {
				vi++
				idx = vi
			}
			attrs = append(attrs, h5Msg{typ: msgAttribute, data: attrMsg(a, hb.v2, heap, idx)})
		}
		msgs := append([]h5Msg(nil), hb.extra...)
		if hb.continuation {
			c := encodeMsgs(attrs, hb.v2)
			if hb.v2 {
				c = append(append([]byte("OCHK"), c...), 0, 0, 0, 0)
			}
			contBlock = c
			msgs = append(msgs, h5Msg{typ: msgContinuation, data: append(le64(cont), le64(uint64(len(c)))...)})
		} else {
			msgs = append(msgs, attrs...)
		}
		body := encodeMsgs(msgs, hb.v2)
		if hb.v2 {
			hdr = append([]byte("OHDR\x02\x02"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
			hdr = append(append(hdr, body...), 0, 0, 0, 0)
		} else {
			hdr = []byte{1, 0}
			hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(msgs)))
			hdr = binary.LittleEndian.AppendUint32(hdr, 1)
			hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(body)))
			hdr = append(append(hdr, 0, 0, 0, 0), body...)
		}
		return hdr, contBlock
	}
	hdr, cont := layout(0, 0)
	contAddr := root + uint64(len(hdr))
	heapAddr := contAddr + uint64(len(cont))
	hdr, cont = layout(heapAddr, contAddr)
	var vl []string
	for _, a := range hb.attrs {
		if a.vlen {
			vl = append(vl, a.value)
		}
	}
	var heap []byte
	if len(vl) > 0 {
		heap = gcol(vl)
	}
	eof := heapAddr + uint64(len(heap)) + uint64(hb.userBlock)
	if hb.eof != 0 {
		eof = hb.eof
	}
	var sb []byte
	if hb.v2 {
		sb = append(append([]byte{}, hdf5Magic...), 2, 8, 8, 0)
		sb = append(sb, le64(0)...)
		sb = append(sb, le64(undef)...)
		sb = append(sb, le64(eof)...)
		sb = append(sb, le64(root)...)
		sb = append(sb, 0, 0, 0, 0)
	} else {
		sb = append(append([]byte{}, hdf5Magic...), 0, 0, 0, 0, 0, 8, 8, 0, 4, 0, 16, 0, 0, 0, 0, 0)
		sb = append(sb, le64(0)...)
		sb = append(sb, le64(undef)...)
		sb = append(sb, le64(eof)...)
		sb = append(sb, le64(undef)...)
		sb = append(sb, le64(0)...)
		sb = append(sb, le64(root)...)
		sb = append(sb, make([]byte, 24)...)
	}
	out := make([]byte, hb.userBlock, hb.userBlock+int(eof))
	out = append(out, sb...)
	out = append(out, hdr...)
	out = append(out, cont...)
	return append(out, heap...)
}

// h5Model returns a v1 HDF5 file whose model_config is config.
func h5Model(config string, vlen bool) []byte {
	return h5Builder{attrs: []h5Attr{
		{name: "backend", value: "tensorflow", vlen: vlen},
		{name: "keras_version", value: "2.13.1", vlen: vlen},
		{name: "model_config", value: config, vlen: vlen},
	}}.build()
}

// zipMember is one member of a test archive.
type zipMember struct {
	name string
	data []byte
}

// buildZip writes a zip archive with archive/zip.
func buildZip(t testing.TB, members ...zipMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range members {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// kerasZip returns a .keras archive whose config.json is config.
func kerasZip(t testing.TB, config string) []byte {
	t.Helper()
	return buildZip(t,
		zipMember{"metadata.json", []byte(`{"keras_version": "3.6.0", "date_saved": "2024-01-01@00:00:00"}`)},
		zipMember{"config.json", []byte(config)},
		zipMember{"model.weights.h5", h5Builder{}.build()},
	)
}
