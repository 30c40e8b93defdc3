package zip

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync/atomic"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// Compression methods.
const (
	Store   uint16 = 0
	Deflate uint16 = 8
	Bzip2   uint16 = 12
	LZMA    uint16 = 14
	Zstd    uint16 = 93
	AES     uint16 = 99
)

// General purpose flag bits.
const (
	FlagEncrypted       uint16 = 1 << 0
	FlagDataDescriptor  uint16 = 1 << 3
	FlagPatched         uint16 = 1 << 5
	FlagStrongEncrypted uint16 = 1 << 6
	FlagUTF8            uint16 = 1 << 11
	FlagMaskedHeaders   uint16 = 1 << 13
	flagsReserved       uint16 = 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<12 | 1<<14 | 1<<15
)

// significantFlags are the bits whose disagreement between headers changes
// how a reader treats the member.
const significantFlags = FlagEncrypted | FlagDataDescriptor | FlagPatched | FlagStrongEncrypted | FlagUTF8 | FlagMaskedHeaders

// Archive is a parsed zip archive. Its entries come from the central
// directory; each has been checked against its local header.
type Archive struct {
	// Entries lists the central directory records in order.
	Entries []Entry
	// Prepended is the number of bytes before the first zip structure:
	// a self-extractor stub, another file of a polyglot, or an archive
	// concatenated in front.
	Prepended int64
	// Shift is the offset Python's zipfile adds to every recorded offset
	// because of data prepended without adjusting them.
	Shift int64
	// DirectoryOffset and DirectorySize locate the central directory.
	DirectoryOffset, DirectorySize int64
	// Zip64 is true when a ZIP64 end record was used.
	Zip64 bool
	// Problems are the archive-level findings, Member unset.
	Problems []scanners.Finding
	// Errors are the structures that could not be parsed, Member unset.
	Errors []*scanners.FormatError

	r     io.ReaderAt
	size  int64
	lim   Limits
	end   *directoryEnd
	total atomic.Int64 // uncompressed bytes read from all entries
}

// Entry is one member as the central directory records it, with what its
// local header says beside it.
type Entry struct {
	// Name is the name in the central directory (what PyTorch and Python
	// use), as raw bytes.
	Name string
	// LocalName is the name in the local file header.
	LocalName string
	// Method and Flags are from the central directory; LocalMethod and
	// LocalFlags from the local header.
	Method, LocalMethod uint16
	Flags, LocalFlags   uint16
	// CRC32, CompressedSize and UncompressedSize are from the central
	// directory (ZIP64 fields resolved).
	CRC32                            uint32
	CompressedSize, UncompressedSize uint64
	// LocalHeaderOffset is the file offset of the local header, shift
	// included.
	LocalHeaderOffset int64
	// DataOffset is the file offset of the member's data; -1 when the local
	// header could not be read.
	DataOffset int64
	// Problems are the findings about this entry, Member unset.
	Problems []scanners.Finding

	a   *Archive
	end int64 // end of data and data descriptor
}

// Encrypted reports whether the entry is flagged or stored as encrypted.
func (e *Entry) Encrypted() bool {
	return (e.Flags|e.LocalFlags)&(FlagEncrypted|FlagStrongEncrypted) != 0 || e.Method == AES
}

// Open parses the archive in r: the end records (ZIP64 and prepended data
// included), the central directory and every local header. Per-entry
// problems are recorded in the entries and in Archive.Errors; Open fails
// only when no central directory can be read.
func Open(r io.ReaderAt, size int64, lim Limits) (*Archive, error) {
	lim = lim.withDefaults()
	end, err := findEnd(r, size)
	if err != nil {
		return nil, err
	}
	shift, err := end.prependedShift()
	if err != nil {
		return nil, err
	}
	a := &Archive{r: r, size: size, lim: lim, end: end, Shift: shift, Zip64: end.zip64}
	a.DirectoryOffset, a.DirectorySize = int64(end.cdOffset)+shift, int64(end.cdSize) //nolint:gosec // checked by findEnd
	a.Problems = append(a.Problems, end.endProblems()...)
	if err := a.readDirectory(); err != nil {
		return nil, err
	}
	for i := range a.Entries {
		a.readLocal(&a.Entries[i])
	}
	a.checkLayout()
	return a, nil
}

// readDirectory parses the central directory records.
func (a *Archive) readDirectory() error {
	if a.DirectorySize > a.lim.MaxCentralDirectory {
		return formatErr(a.DirectoryOffset, "central directory of %d bytes exceeds the limit of %d", a.DirectorySize, a.lim.MaxCentralDirectory)
	}
	buf, err := safeio.ReadAt(a.r, a.size, a.DirectoryOffset, a.DirectorySize, a.lim.MaxCentralDirectory)
	if err != nil {
		return formatErr(a.DirectoryOffset, "reading the central directory: %v", err)
	}
	// Every record takes at least centralLen bytes: a count beyond that is
	// not believed for allocation.
	capHint := min(a.end.entries, uint64(len(buf)/centralLen), uint64(a.lim.MaxEntries)) //nolint:gosec // MaxEntries > 0
	a.Entries = make([]Entry, 0, capHint)
	pos := 0
	for pos < len(buf) {
		if len(a.Entries) >= a.lim.MaxEntries {
			a.Errors = append(a.Errors, formatErr(a.DirectoryOffset+int64(pos), "more than %d entries; the rest were not read", a.lim.MaxEntries))
			break
		}
		e, n, err := a.parseCentral(buf[pos:], a.DirectoryOffset+int64(pos))
		if err != nil {
			a.Errors = append(a.Errors, err)
			break
		}
		a.Entries = append(a.Entries, e)
		pos += n
	}
	if uint64(len(a.Entries)) != a.end.entries && len(a.Entries) < a.lim.MaxEntries {
		a.Problems = append(a.Problems, problem(RuleCountMismatch, scanners.High, a.end.offset, fmt.Sprintf(
			"end record counts %d entries but the central directory holds %d: readers that count and readers that walk see different members",
			a.end.entries, len(a.Entries))))
	}
	return nil
}

// parseCentral parses one central directory record at the start of b, which
// lies at file offset off. It returns the entry and the record's length.
func (a *Archive) parseCentral(b []byte, off int64) (Entry, int, *scanners.FormatError) {
	if len(b) < centralLen {
		return Entry{}, 0, formatErr(off, "truncated central directory record (%d bytes left)", len(b))
	}
	if binary.LittleEndian.Uint32(b) != sigCentral {
		return Entry{}, 0, formatErr(off, "bad central directory signature %#08x", binary.LittleEndian.Uint32(b))
	}
	nameLen := int(binary.LittleEndian.Uint16(b[28:]))
	extraLen := int(binary.LittleEndian.Uint16(b[30:]))
	commentLen := int(binary.LittleEndian.Uint16(b[32:]))
	total := centralLen + nameLen + extraLen + commentLen
	if total > len(b) {
		return Entry{}, 0, formatErr(off, "central directory record of %d bytes overruns the directory (%d bytes left)", total, len(b))
	}
	e := Entry{
		a:                a,
		Flags:            binary.LittleEndian.Uint16(b[8:]),
		Method:           binary.LittleEndian.Uint16(b[10:]),
		CRC32:            binary.LittleEndian.Uint32(b[16:]),
		CompressedSize:   uint64(binary.LittleEndian.Uint32(b[20:])),
		UncompressedSize: uint64(binary.LittleEndian.Uint32(b[24:])),
		Name:             string(b[centralLen : centralLen+nameLen]),
		DataOffset:       -1,
	}
	lho := uint64(binary.LittleEndian.Uint32(b[42:]))
	extra := b[centralLen+nameLen : centralLen+nameLen+extraLen]
	if err := e.readZip64Extra(extra, &lho, true, off); err != nil {
		a.Errors = append(a.Errors, err)
	}
	e.checkUnicodePath(extra, off)
	if lho > math.MaxInt64-uint64(a.Shift) { //nolint:gosec // Shift >= 0
		e.LocalHeaderOffset = math.MaxInt64
	} else {
		e.LocalHeaderOffset = int64(lho) + a.Shift //nolint:gosec // checked above
	}
	return e, total, nil
}

// extraFields calls fn for each well-formed field of a zip extra block.
func extraFields(extra []byte, fn func(id uint16, data []byte)) {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+n > len(extra) {
			return
		}
		fn(id, extra[4:4+n])
		extra = extra[4+n:]
	}
}

// readZip64Extra replaces saturated sizes (and, in the central directory,
// the header offset) with the values of the ZIP64 extra field.
func (e *Entry) readZip64Extra(extra []byte, lho *uint64, central bool, off int64) *scanners.FormatError {
	need := e.UncompressedSize == math.MaxUint32 || e.CompressedSize == math.MaxUint32 || (central && *lho == math.MaxUint32)
	found := false
	extraFields(extra, func(id uint16, data []byte) {
		if id != 0x0001 || found {
			return
		}
		found = true
		for _, p := range []*uint64{&e.UncompressedSize, &e.CompressedSize, lho} {
			if p == lho && !central {
				continue
			}
			if *p == math.MaxUint32 && len(data) >= 8 {
				*p, data = binary.LittleEndian.Uint64(data), data[8:]
			}
		}
	})
	if need && !found {
		return formatErr(off, "entry %q has saturated sizes but no ZIP64 extra field", e.Name)
	}
	return nil
}

// checkUnicodePath compares the Info-ZIP Unicode Path field (0x7075), which
// 7-Zip and unzip prefer to the header name, with the name.
func (e *Entry) checkUnicodePath(extra []byte, off int64) {
	extraFields(extra, func(id uint16, data []byte) {
		if id != 0x7075 || len(data) < 5 || data[0] != 1 {
			return
		}
		if u := string(data[5:]); u != e.Name && binary.LittleEndian.Uint32(data[1:]) == crc32IEEE([]byte(e.Name)) {
			e.Problems = append(e.Problems, problem(RuleHeaderMismatch, scanners.High, off, fmt.Sprintf(
				"entry %q carries a Unicode Path field naming it %q: 7-Zip and unzip see another name than Python and PyTorch", e.Name, u)))
		}
	})
}
