// Package tar scans tar archives (the legacy PyTorch format among them):
// every regular member is handed to the full scanner set, lazily through
// its section of the archive so that large members are never read beyond
// sniffing. Links are reported, never followed; names that escape the
// extraction directory are reported.
package tar

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// Rule IDs of the findings this package reports.
const (
	// RulePathTraversal: a member name with "..", an absolute path or a
	// backslash.
	RulePathTraversal = "TAR-PATH-TRAVERSAL"
	// RuleSymlink: a symbolic link member (High when its target escapes).
	RuleSymlink = "TAR-SYMLINK"
	// RuleHardlink: a hard link member (High when its target escapes).
	RuleHardlink = "TAR-HARDLINK"
	// RuleSpecialFile: a device or FIFO member.
	RuleSpecialFile = "TAR-SPECIAL-FILE"
	// RuleDuplicateName: two members with the same name.
	RuleDuplicateName = "TAR-DUPLICATE-NAME"
	// RuleBomb: a sparse member expanded past the size limit, or the work
	// budget of the top-level file (entries, bytes, time) ran out.
	RuleBomb = "TAR-BOMB"
	// RuleTooDeep: archives nested too deep; members were not scanned.
	RuleTooDeep = "TAR-TOO-DEEP"
)

// Limits bounds what one archive may cost. Zero fields take the defaults.
type Limits struct {
	// MaxEntries is the most members read.
	MaxEntries int
	// MaxMemberSize is the most bytes of a sparse member expanded.
	MaxMemberSize int64
	// MaxMemory is how much of an expanded sparse member is kept in memory
	// before spooling to a temporary file.
	MaxMemory int64
	// TempDir holds spool files ("" is the system default).
	TempDir string
	// Work bounds the top-level file when a tar is its outermost archive
	// (nested archives share the outer one's safeio.Work).
	Work safeio.WorkLimits
}

// DefaultLimits: 100,000 members, sparse members up to 4 GiB (1 MiB in
// memory), depth 8, and safeio.DefaultWorkLimits per top-level file.
func DefaultLimits() Limits {
	return Limits{MaxEntries: 100_000, MaxMemberSize: 4 << 30, MaxMemory: safeio.DefaultSpoolLimits().MaxMemory,
		Work: safeio.DefaultWorkLimits()}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxMemberSize <= 0 {
		l.MaxMemberSize = d.MaxMemberSize
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = d.MaxMemory
	}
	return l
}

// Sniff reports whether head starts with a tar header: the ustar magic at
// offset 257, or a v7 header whose checksum is right.
func Sniff(head []byte) bool {
	if len(head) < 512 || head[0] == 0 || !checksumOK(head[:512]) {
		return false
	}
	magic := head[257:265]
	if bytes.Equal(magic[:6], []byte("ustar\x00")) || bytes.Equal(magic, []byte("ustar  \x00")) {
		return true
	}
	// v7: nothing but the checksum; also want an octal mode and size.
	return octal(head[100:108]) && octal(head[124:136])
}

// octal reports whether b is an octal number padded with spaces or NULs.
func octal(b []byte) bool {
	s := strings.Trim(string(b), " \x00")
	if s == "" {
		return false
	}
	_, err := strconv.ParseUint(s, 8, 64)
	return err == nil
}

// checksumOK checks a header block's checksum, computed with unsigned or
// (old tars) signed bytes.
func checksumOK(h []byte) bool {
	s := strings.Trim(string(h[148:156]), " \x00")
	want, err := strconv.ParseInt(s, 8, 64)
	if err != nil || s == "" {
		return false
	}
	var unsigned, signed int64
	for i, c := range h {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return want == unsigned || want == signed
}

// Member is one regular member of an archive.
type Member struct {
	// Header is the header as archive/tar parsed it (PAX and GNU
	// extensions applied).
	Header *tar.Header
	// Offset is where the data starts in the archive; -1 for sparse
	// members, whose data is not contiguous.
	Offset int64
	// Size is the number of content bytes available (Header.Size, cut at
	// the end of the archive).
	Size int64
	// Stream reads the content (expanding sparse holes); valid only during
	// the Walk callback.
	Stream io.Reader
}

// ErrStop ends a Walk when its callback returns an error that matches it
// (see Stop).
var ErrStop = errors.New("tar: walk stopped")

// Stop returns err marked to end a Walk: errors.Is(Stop(err), ErrStop) and
// errors.As still reaches err; its text is err's.
func Stop(err error) error { return stopError{err} }

type stopError struct{ error }

func (e stopError) Unwrap() error        { return e.error }
func (e stopError) Is(target error) bool { return target == ErrStop }

// sparse reports whether archive/tar expands h from a sparse map.
func sparse(h *tar.Header) bool {
	if h.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// Walk reads the archive in r and calls fn for every regular member. It
// returns the findings about names and links (Member unset, offsets in the
// archive) and the parse errors; fn's errors are joined to them. An error
// of fn that wraps ErrStop ends the walk.
func Walk(r io.ReaderAt, size int64, lim Limits, fn func(m Member) error) ([]scanners.Finding, error) {
	lim = lim.withDefaults()
	sr := io.NewSectionReader(r, 0, size)
	tr := tar.NewReader(sr)
	var out []scanners.Finding
	var errs []error
	names := map[string]bool{}
	for n := 0; ; n++ {
		start, _ := sr.Seek(0, io.SeekCurrent)
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, &scanners.FormatError{Format: "tar", Offset: start, Msg: fmt.Sprintf("reading the header after offset %d: %v", start, err)})
			break
		}
		if n >= lim.MaxEntries {
			errs = append(errs, &scanners.FormatError{Format: "tar", Offset: start, Msg: fmt.Sprintf("more than %d members; the rest were not read", lim.MaxEntries)})
			break
		}
		pos, _ := sr.Seek(0, io.SeekCurrent)
		out = append(out, headerFindings(h, pos, names)...)
		if !regular(h) {
			continue
		}
		m := Member{Header: h, Offset: pos, Size: h.Size, Stream: tr}
		if sparse(h) {
			m.Offset = -1
		} else if h.Size > size-pos {
			m.Size = max(size-pos, 0)
			errs = append(errs, &scanners.FormatError{Format: "tar", Offset: pos, Msg: fmt.Sprintf(
				"member %q: %d bytes at offset %d run past the end of the archive (%d bytes)", h.Name, h.Size, pos, size)})
		}
		if err := fn(m); err != nil {
			errs = append(errs, err)
			if errors.Is(err, ErrStop) {
				break
			}
		}
	}
	return out, errors.Join(errs...)
}

// regular reports whether h has content to scan.
func regular(h *tar.Header) bool {
	switch h.Typeflag {
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse, '\x00':
		return true
	}
	return false
}
