package sevenzip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/ulikunitz/xz/lzma"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// filesInfo walks the file properties.
func (w *walker) filesInfo() error {
	files, err := w.count(true, w.maxEntries)
	if err != nil {
		return err
	}
	w.files = files
	var empty uint64
	for {
		prop, err := w.byte()
		if err != nil || prop == idEnd {
			return err
		}
		length, err := w.num()
		if err != nil {
			return err
		}
		if err := w.fileProperty(prop, length, files, &empty); err != nil {
			return err
		}
	}
}

func (w *walker) fileProperty(prop byte, length, files uint64, empty *uint64) error {
	var err error
	switch prop {
	case idEmptyStream:
		*empty, err = w.bitVector(files)
	case idEmptyFile:
		if *empty == 0 {
			return w.fail("empty-file vector without empty streams")
		}
		_, err = w.bitVector(*empty)
	case idCTime, idATime, idMTime, idWinAttributes:
		var defined uint64
		if defined, err = w.optionalBits(files); err != nil {
			return err
		}
		if err = w.expect(0); err != nil { // external
			return err
		}
		width := uint64(8)
		if prop == idWinAttributes {
			width = 4
		}
		err = w.skip(width * defined)
	case idName:
		if length == 0 {
			return w.fail("empty names property")
		}
		if err = w.expect(0); err != nil { // external
			return err
		}
		err = w.skip(length - 1)
	case idDummy:
		err = w.skip(length)
	default:
		return w.fail("unsupported file property %#x", prop)
	}
	return err
}

// header walks a plain (decoded) header.
func (w *walker) header() error {
	if err := w.expect(idHeader); err != nil {
		return err
	}
	id, err := w.byte()
	if err == nil && id == idMainStreamsInfo {
		if err = w.streamsInfo(); err == nil {
			id, err = w.byte()
		}
	}
	if err == nil && id == idFilesInfo {
		if err = w.filesInfo(); err == nil {
			id, err = w.byte()
		}
	}
	if err == nil && id != idEnd {
		err = w.fail("property %#x in header", id)
	}
	if err == nil && w.pos != len(w.b) {
		err = w.fail("%d bytes after the header", len(w.b)-w.pos)
	}
	return err
}

// validate checks the header at hdrOff (n bytes, CRC crc) of the archive in
// r, decoding an encoded header first. It returns the number of files the
// header lists.
func validate(r io.ReaderAt, size, hdrOff, n int64, crc uint32, lim Limits) (uint64, error) {
	b, err := safeio.ReadAt(r, size, hdrOff, n, lim.MaxHeaderSize)
	if err != nil {
		return 0, fmt.Errorf("%w: reading: %w", errHeader, err)
	}
	if crc32.ChecksumIEEE(b) != crc {
		return 0, fmt.Errorf("%w: CRC mismatch", errHeader)
	}
	if b[0] == idEncodedHeader {
		w := &walker{b: b, pos: 1, maxEntries: uint64(lim.MaxEntries)} //nolint:gosec // MaxEntries > 0
		if err := w.streamsInfo(); err != nil {
			return 0, err
		}
		if w.pos != len(w.b) {
			return 0, w.fail("%d bytes after the encoded header", len(w.b)-w.pos)
		}
		if b, err = w.decodeHeader(r, size, lim.MaxHeaderSize); err != nil {
			return 0, err
		}
	}
	w := &walker{b: b, maxEntries: uint64(lim.MaxEntries)} //nolint:gosec // MaxEntries > 0
	if err := w.header(); err != nil {
		return 0, err
	}
	return w.files, nil
}

// decodeHeader decodes the header an encoded header describes: one folder
// with one coder, copy, LZMA or LZMA2 (7-Zip uses LZMA). The library
// decodes these with the same decoders (registerDecoders), so it parses the
// very bytes checked here.
func (w *walker) decodeHeader(r io.ReaderAt, size, maxHeader int64) ([]byte, error) {
	if len(w.folders) != 1 || len(w.packSizes) < 1 {
		return nil, fmt.Errorf("%w: encoded header with %d folders and %d packed streams", errHeader, len(w.folders), len(w.packSizes))
	}
	f := w.folders[0]
	for _, c := range f.coders {
		if c.id == "\x06\xf1\x07\x01" {
			return nil, errEncryptedHeader
		}
	}
	if len(f.coders) != 1 || len(f.sizes) != 1 {
		return nil, fmt.Errorf("%w: encoded header with %d coders", errHeader, len(f.coders))
	}
	off, n, out := w.packPos, w.packSizes[0], f.sizes[0]
	if off > uint64(size) || n > uint64(size)-off || signatureLen+off+n > uint64(size) { //nolint:gosec // size > 0
		return nil, fmt.Errorf("%w: packed header (%d bytes at %d) lies outside the file", errHeader, n, off)
	}
	if out > uint64(maxHeader) || out == 0 { //nolint:gosec // maxHeader > 0
		return nil, fmt.Errorf("%w: encoded header decodes to %d bytes (limit %d)", errHeader, out, maxHeader)
	}
	src := io.NewSectionReader(r, signatureLen+int64(off), int64(n)) //nolint:gosec // checked above
	dec, err := headerDecoder(f.coders[0], src, out)
	if err != nil {
		return nil, err
	}
	b, err := safeio.ReadAll(io.LimitReader(dec, int64(out)), int64(out)) //nolint:gosec // out <= maxHeader
	if err == nil && uint64(len(b)) != out {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, fmt.Errorf("%w: decoding the encoded header: %w", errHeader, err)
	}
	return b, nil
}

func headerDecoder(c coder, src io.Reader, out uint64) (io.Reader, error) {
	switch c.id {
	case "\x00":
		return src, nil
	case "\x03\x01\x01":
		if len(c.props) != 5 {
			return nil, fmt.Errorf("%w: LZMA properties of %d bytes", errHeader, len(c.props))
		}
		return newLZMA(c.props, out, src)
	case "\x21":
		if len(c.props) != 1 {
			return nil, fmt.Errorf("%w: LZMA2 properties of %d bytes", errHeader, len(c.props))
		}
		return newLZMA2(c.props[0], out, src)
	}
	return nil, fmt.Errorf("%w: encoded header uses coder %x, which the scanner does not decode", errHeader, c.id)
}

// dictFor caps a dictionary at the output size and at safeio.MaxDict.
func dictFor(dict, out uint64) int {
	return int(max(min(dict, out, safeio.MaxDict), lzma.MinDictCap))
}

// dictReader reports a stream decoded with a smaller dictionary than it
// declared that refers back further (safeio.ErrDictTooLarge).
func dictReader(r io.Reader, err error, declared uint64, used int) (io.Reader, error) {
	if err != nil {
		return nil, err
	}
	return safeio.DictReader(r, int64(min(declared, 1<<40)), int64(used)), nil
}

// newLZMA decodes raw LZMA with 5 property bytes and a known output size.
func newLZMA(props []byte, out uint64, src io.Reader) (io.Reader, error) {
	var hdr [lzma.HeaderLen]byte
	copy(hdr[:], props)
	dict := dictFor(uint64(binary.LittleEndian.Uint32(props[1:])), out)
	binary.LittleEndian.PutUint32(hdr[1:], uint32(dict)) //nolint:gosec // <= maxDict
	size := uint64(1<<64 - 1)
	if out < 1<<50 {
		size = out
	}
	binary.LittleEndian.PutUint64(hdr[5:], size)
	r, err := lzma.ReaderConfig{DictCap: dict}.NewReader(io.MultiReader(bytes.NewReader(hdr[:]), src))
	return dictReader(r, err, uint64(binary.LittleEndian.Uint32(props[1:])), dict)
}

// newLZMA2 decodes LZMA2 whose dictionary property byte is p.
func newLZMA2(p byte, out uint64, src io.Reader) (io.Reader, error) {
	if p > 40 {
		return nil, errors.New("lzma2: bad dictionary property")
	}
	dict := uint64(1<<32 - 1)
	if p < 40 {
		dict = uint64(2|p&1) << (p/2 + 11)
	}
	used := dictFor(dict, out)
	r, err := lzma.Reader2Config{DictCap: used}.NewReader2(src)
	return dictReader(r, err, dict, used)
}
