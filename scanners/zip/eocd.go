package zip

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// Signatures and fixed record sizes (APPNOTE 4.3).
const (
	sigLocal      = 0x04034b50
	sigCentral    = 0x02014b50
	sigEnd        = 0x06054b50
	sigEnd64      = 0x06064b50
	sigLocator64  = 0x07064b50
	sigDescriptor = 0x08074b50

	localLen     = 30
	centralLen   = 46
	endLen       = 22
	end64Len     = 56
	locator64Len = 20
	maxComment   = 0xffff
)

var (
	magicLocal = []byte("PK\x03\x04")
	magicEnd   = []byte("PK\x05\x06")
)

// directoryEnd is what the end records say about the central directory.
type directoryEnd struct {
	offset     int64 // of the EOCD record
	end        int64 // end of the EOCD record and its comment
	entries    uint64
	cdSize     uint64
	cdOffset   uint64 // as recorded, before the prepended-data shift
	cdEnd      int64  // where the directory must end: the zip64 record or the EOCD
	zip64      bool
	extraEnds  []int64 // EOCD signatures after the chosen one (whose comment does not fit)
	commentLen int
}

// findEnd locates the end-of-central-directory record the way Go's and
// Python's readers do (the last one whose comment fits) and the ZIP64 end
// record, if a locator precedes it.
func findEnd(r io.ReaderAt, size int64) (*directoryEnd, error) {
	if size < endLen {
		return nil, formatErr(0, "file of %d bytes is too small for an end of central directory record", size)
	}
	tailLen := min(size, endLen+maxComment)
	tail, err := safeio.ReadAt(r, size, size-tailLen, tailLen, tailLen)
	if err != nil {
		return nil, formatErr(size-tailLen, "reading the end of the file: %v", err)
	}
	base := size - tailLen
	d := &directoryEnd{offset: -1}
	for i := len(tail) - endLen; i >= 0; i-- {
		if !bytes.Equal(tail[i:i+4], magicEnd) {
			continue
		}
		commentLen := int(binary.LittleEndian.Uint16(tail[i+20:]))
		if i+endLen+commentLen > len(tail) {
			// Python's rfind takes this one; Go and miniz look further back.
			d.extraEnds = append(d.extraEnds, base+int64(i))
			continue
		}
		d.offset, d.end, d.commentLen = base+int64(i), base+int64(i+endLen+commentLen), commentLen
		rec := tail[i : i+endLen]
		d.entries = uint64(binary.LittleEndian.Uint16(rec[10:]))
		d.cdSize = uint64(binary.LittleEndian.Uint32(rec[12:]))
		d.cdOffset = uint64(binary.LittleEndian.Uint32(rec[16:]))
		break
	}
	if d.offset < 0 {
		return nil, formatErr(size, "no end of central directory record in the last %d bytes", tailLen)
	}
	if err := d.readZip64(r, size); err != nil {
		return nil, err
	}
	if d.cdSize > math.MaxInt64 || d.cdOffset > math.MaxInt64 || int64(d.cdSize) > d.cdEnd {
		return nil, formatErr(d.offset, "central directory of %d bytes at %d does not fit before offset %d", d.cdSize, d.cdOffset, d.cdEnd)
	}
	return d, nil
}

// readZip64 reads the ZIP64 locator just before the EOCD and the ZIP64 end
// record it points to. Python looks for the record right before the
// locator; Go and miniz follow the locator's offset. Both are tried.
func (d *directoryEnd) readZip64(r io.ReaderAt, size int64) error {
	d.cdEnd = d.offset
	locOff := d.offset - locator64Len
	if locOff < 0 {
		return nil
	}
	loc, err := safeio.ReadAt(r, size, locOff, locator64Len, locator64Len)
	if err != nil || binary.LittleEndian.Uint32(loc) != sigLocator64 {
		return nil //nolint:nilerr // no locator: not a ZIP64 archive
	}
	candidates := []int64{locOff - end64Len}
	if v := binary.LittleEndian.Uint64(loc[8:]); v <= math.MaxInt64 && int64(v) != locOff-end64Len {
		candidates = append(candidates, int64(v))
	}
	for _, off := range candidates {
		rec, err := safeio.ReadAt(r, size, off, end64Len, end64Len)
		if err != nil || binary.LittleEndian.Uint32(rec) != sigEnd64 {
			continue
		}
		d.zip64, d.cdEnd = true, off
		d.entries = binary.LittleEndian.Uint64(rec[32:])
		d.cdSize = binary.LittleEndian.Uint64(rec[40:])
		d.cdOffset = binary.LittleEndian.Uint64(rec[48:])
		return nil
	}
	return formatErr(locOff, "ZIP64 end locator points to no ZIP64 end record")
}

// Sniff reports whether r looks like a zip archive: a local file header at
// offset 0, or a plausible end of central directory record at the end of the
// file (archives with prepended data) unless r is a tar. head holds the first
// bytes of r.
func Sniff(r io.ReaderAt, size int64, head []byte) bool {
	if len(head) >= 4 && bytes.Equal(head[:4], magicLocal) {
		return true
	}
	if size < endLen || r == nil {
		return false
	}
	// A tar holding a stored zip as its last member ends like a zip with
	// prepended data; the tar scanner reaches that zip as a member.
	if len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar")) {
		return false
	}
	d, err := findEnd(r, size)
	if err != nil {
		return false
	}
	if d.entries == 0 {
		return d.cdSize == 0
	}
	shift := d.cdEnd - int64(d.cdSize) - int64(d.cdOffset) //nolint:gosec // both checked <= cdEnd by findEnd
	if shift < 0 || d.entries > d.cdSize/centralLen {
		return false
	}
	sig, err := safeio.ReadAt(r, size, int64(d.cdOffset)+shift, 4, 4) //nolint:gosec // checked by findEnd
	return err == nil && binary.LittleEndian.Uint32(sig) == sigCentral
}

// prependedShift is how far the archive was moved by bytes prepended to it:
// Python's "concat" (EOCD position minus directory size and offset).
func (d *directoryEnd) prependedShift() (int64, error) {
	shift := d.cdEnd - int64(d.cdSize) - int64(d.cdOffset) //nolint:gosec // both checked <= MaxInt64 by findEnd
	if int64(d.cdOffset) > d.cdEnd || shift < 0 {          //nolint:gosec // as above
		return 0, formatErr(d.offset, "central directory (offset %d, %d bytes) overlaps its end record at %d", d.cdOffset, d.cdSize, d.cdEnd)
	}
	return shift, nil
}

// endProblems reports ambiguous end records.
func (d *directoryEnd) endProblems() []scanners.Finding {
	var out []scanners.Finding
	for _, off := range d.extraEnds {
		out = append(out, problem(RuleAmbiguousEnd, scanners.Medium, off, fmt.Sprintf(
			"another end of central directory signature at offset %d besides the one used at %d: readers may pick different directories", off, d.offset)))
	}
	return out
}
