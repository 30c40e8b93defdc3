package zip

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
)

// member describes one entry for buildZip. Zero fields mean "consistent".
type member struct {
	name      string
	localName *string // local header name, if different
	data      []byte  // uncompressed content
	method    uint16
	flags     uint16
	localFlag *uint16 // local header flags, if different
	crc       *uint32 // recorded CRC, if wrong
	raw       []byte  // compressed bytes, if not derived from data
	localMeth *uint16
	desc      []byte // bytes written after the data (a data descriptor)
	lhoFrom   int    // >0: point this CD record at the local header of member lhoFrom-1
	usize     *uint32
}

// layout options for buildZip.
type layout struct {
	prefix     []byte // bytes before the archive, offsets not adjusted
	zip64      bool   // saturate CD fields, write ZIP64 extra and end records
	count      *int   // end record entry count, if wrong
	gap        []byte // bytes between the last entry and the directory
	comment    []byte
	trailEOCDs int // extra fake EOCD signatures in the comment
}

func u16(b *bytes.Buffer, v uint16) { _ = binary.Write(b, binary.LittleEndian, v) }
func u32(b *bytes.Buffer, v uint32) { _ = binary.Write(b, binary.LittleEndian, v) }
func u64(b *bytes.Buffer, v uint64) { _ = binary.Write(b, binary.LittleEndian, v) }

func deflate(data []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestSpeed)
	_, _ = w.Write(data)
	_ = w.Close()
	return b.Bytes()
}

// buildZip writes the members byte by byte, with the tampering asked for.
func buildZip(ms []member, l layout) []byte {
	var body bytes.Buffer
	offsets := make([]int, len(ms))
	comp := make([][]byte, len(ms))
	for i, m := range ms {
		offsets[i] = body.Len()
		comp[i] = m.raw
		if comp[i] == nil {
			comp[i] = m.data
			if m.method == Deflate {
				comp[i] = deflate(m.data)
			}
		}
		if m.lhoFrom > 0 {
			offsets[i] = offsets[m.lhoFrom-1]
			continue
		}
		name, flags, method, crc := m.name, m.flags, m.method, crc32.ChecksumIEEE(m.data)
		if m.localName != nil {
			name = *m.localName
		}
		if m.localFlag != nil {
			flags = *m.localFlag
		}
		if m.localMeth != nil {
			method = *m.localMeth
		}
		if m.crc != nil {
			crc = *m.crc
		}
		u32(&body, sigLocal)
		u16(&body, 20)
		u16(&body, flags)
		u16(&body, method)
		u32(&body, 0)
		csize, usize := uint32(len(comp[i])), uint32(len(m.data))
		if m.usize != nil {
			usize = *m.usize
		}
		if flags&FlagDataDescriptor != 0 {
			crc, csize, usize = 0, 0, 0
		}
		u32(&body, crc)
		u32(&body, csize)
		u32(&body, usize)
		u16(&body, uint16(len(name)))
		u16(&body, 0)
		body.WriteString(name)
		body.Write(comp[i])
		body.Write(m.desc)
	}
	body.Write(l.gap)
	cdStart := body.Len()
	for i, m := range ms {
		crc := crc32.ChecksumIEEE(m.data)
		if m.crc != nil {
			crc = *m.crc
		}
		usize := uint32(len(m.data))
		if m.usize != nil {
			usize = *m.usize
		}
		var extra bytes.Buffer
		csize, lho := uint32(len(comp[i])), uint32(offsets[i])
		if l.zip64 {
			u16(&extra, 1)
			u16(&extra, 24)
			u64(&extra, uint64(usize))
			u64(&extra, uint64(csize))
			u64(&extra, uint64(lho))
			usize, csize, lho = 0xffffffff, 0xffffffff, 0xffffffff
		}
		u32(&body, sigCentral)
		u16(&body, 45)
		u16(&body, 45)
		u16(&body, m.flags)
		u16(&body, m.method)
		u32(&body, 0)
		u32(&body, crc)
		u32(&body, csize)
		u32(&body, usize)
		u16(&body, uint16(len(m.name)))
		u16(&body, uint16(extra.Len()))
		u16(&body, 0)
		u16(&body, 0)
		u16(&body, 0)
		u32(&body, 0)
		u32(&body, lho)
		body.WriteString(m.name)
		body.Write(extra.Bytes())
	}
	cdEnd := body.Len()
	count := len(ms)
	if l.count != nil {
		count = *l.count
	}
	if l.zip64 {
		z64 := body.Len()
		u32(&body, sigEnd64)
		u64(&body, 44)
		u16(&body, 45)
		u16(&body, 45)
		u32(&body, 0)
		u32(&body, 0)
		u64(&body, uint64(count))
		u64(&body, uint64(count))
		u64(&body, uint64(cdEnd-cdStart))
		u64(&body, uint64(cdStart))
		u32(&body, sigLocator64)
		u32(&body, 0)
		u64(&body, uint64(z64))
		u32(&body, 1)
	}
	u32(&body, sigEnd)
	u16(&body, 0)
	u16(&body, 0)
	c16 := uint16(count)
	cdSize, cdOff := uint32(cdEnd-cdStart), uint32(cdStart)
	if l.zip64 {
		c16, cdSize, cdOff = 0xffff, 0xffffffff, 0xffffffff
	}
	u16(&body, c16)
	u16(&body, c16)
	u32(&body, cdSize)
	u32(&body, cdOff)
	comment := l.comment
	for range l.trailEOCDs {
		comment = append(comment, "PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\x00"...)
	}
	u16(&body, uint16(len(comment)))
	body.Write(comment)
	return append(append([]byte(nil), l.prefix...), body.Bytes()...)
}
