package zip

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// checkLayout reports per-entry problems that need no data (names, flags,
// methods) and the archive-level layout: overlaps, gaps, prepended data.
func (a *Archive) checkLayout() {
	seen := make(map[string]int, len(a.Entries))
	for i := range a.Entries {
		e := &a.Entries[i]
		e.checkName()
		e.checkFlags()
		key := e.Name
		if j := strings.IndexByte(key, 0); j >= 0 {
			key = key[:j] // Python's zipfile cuts names at NUL
		}
		if first, dup := seen[key]; dup {
			e.Problems = append(e.Problems, problem(RuleDuplicateName, scanners.High, e.LocalHeaderOffset, fmt.Sprintf(
				"entry %q repeats the name of entry %d: Python keeps the last, miniz (PyTorch) the first", e.Name, first)))
		} else {
			seen[key] = i
		}
	}
	sp := a.spans()
	a.checkOverlap(sp)
	a.checkGaps(sp)
}

// checkName reports names that escape the extraction directory or that
// readers would interpret differently.
func (e *Entry) checkName() {
	var why []string
	sev := scanners.Medium
	if strings.IndexByte(e.Name, 0) >= 0 {
		why, sev = append(why, "contains a NUL byte (Python cuts the name there)"), scanners.High
	}
	if strings.HasPrefix(e.Name, "/") || strings.HasPrefix(e.Name, `\`) || (len(e.Name) >= 2 && e.Name[1] == ':') {
		why, sev = append(why, "is an absolute path"), scanners.High
	}
	if hasDotDot(e.Name) {
		why, sev = append(why, `has a ".." component`), scanners.High
	}
	if strings.IndexByte(e.Name, '\\') >= 0 {
		why = append(why, "contains a backslash")
	}
	if len(why) > 0 {
		e.Problems = append(e.Problems, problem(RulePathTraversal, sev, e.LocalHeaderOffset, fmt.Sprintf(
			"entry name %q %s", e.Name, strings.Join(why, ", "))))
	}
}

// hasDotDot reports whether a / or \ separated path has a ".." component.
func hasDotDot(name string) bool {
	for name != "" {
		i := strings.IndexAny(name, `/\`)
		if i < 0 {
			return name == ".."
		}
		if name[:i] == ".." {
			return true
		}
		name = name[i+1:]
	}
	return false
}

// checkFlags reports encryption and methods that cannot be read.
func (e *Entry) checkFlags() {
	if e.Encrypted() {
		e.Problems = append(e.Problems, problem(RuleEncrypted, scanners.High, e.LocalHeaderOffset, fmt.Sprintf(
			"entry %q is flagged as encrypted (flags %#04x/%#04x, method %d): scanners relying on zipfile skip it, PyTorch ignores the flag",
			e.Name, e.Flags, e.LocalFlags, e.Method)))
	}
	if flags := e.Flags | e.LocalFlags; flags&FlagPatched != 0 {
		e.Problems = append(e.Problems, problem(RuleFlagBits, scanners.High, e.LocalHeaderOffset, fmt.Sprintf(
			"entry %q sets the patched-data flag (0x20): Python's zipfile refuses it, PyTorch loads it (CVE-2025-1945)", e.Name)))
	} else if flags&flagsReserved != 0 {
		e.Problems = append(e.Problems, problem(RuleFlagBits, scanners.Low, e.LocalHeaderOffset, fmt.Sprintf(
			"entry %q sets reserved flag bits %#04x", e.Name, flags&flagsReserved)))
	}
	switch e.Method {
	case Store:
		if e.CompressedSize != e.UncompressedSize {
			e.Problems = append(e.Problems, problem(RuleSizeMismatch, scanners.Medium, e.LocalHeaderOffset, fmt.Sprintf(
				"stored entry %q declares %d compressed but %d uncompressed bytes", e.Name, e.CompressedSize, e.UncompressedSize)))
		}
	case Deflate, Bzip2, LZMA, Zstd, AES:
	default:
		e.Problems = append(e.Problems, problem(RuleUnsupportedMethod, scanners.Medium, e.LocalHeaderOffset, fmt.Sprintf(
			"entry %q uses compression method %d, which the scanner cannot read: its content was not scanned", e.Name, e.Method)))
	}
}

// span is a byte range of the file claimed by a structure: entry idx, or
// the directory (spanDirectory) or the end records (spanEnd).
type span struct {
	start, end int64
	idx        int
}

const (
	spanDirectory = -1
	spanEnd       = -2
)

func (a *Archive) describe(s span) string {
	switch s.idx {
	case spanDirectory:
		return "the central directory"
	case spanEnd:
		return "the end records"
	}
	return fmt.Sprintf("entry %q", a.Entries[s.idx].Name)
}

// spans lists the byte ranges of the entries and of the directory records.
func (a *Archive) spans() []span {
	out := make([]span, 0, len(a.Entries)+2)
	for i := range a.Entries {
		e := &a.Entries[i]
		if e.DataOffset >= 0 {
			out = append(out, span{e.LocalHeaderOffset, e.end, i})
		}
	}
	out = append(out, span{a.DirectoryOffset, a.DirectoryOffset + a.DirectorySize, spanDirectory})
	out = append(out, span{a.end.cdEnd, a.end.end, spanEnd})
	sort.SliceStable(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// checkOverlap reports entries that share bytes with another entry or with
// the directory: the overlapping-file zip bomb and parser confusions.
func (a *Archive) checkOverlap(sp []span) {
	reported := 0
	cur := sp[0]
	for _, s := range sp[1:] {
		if s.start < cur.end && reported < 100 {
			a.Problems = append(a.Problems, problem(RuleOverlap, scanners.High, s.start, fmt.Sprintf(
				"%s at offset %d overlaps %s (bytes %d-%d)", a.describe(s), s.start, a.describe(cur), cur.start, cur.end)))
			reported++
		}
		if s.end > cur.end {
			cur = s
		}
	}
}

// checkGaps reports the bytes before the first structure and searches the
// bytes no structure claims for local file headers that only streaming
// readers would see.
func (a *Archive) checkGaps(sp []span) {
	if first := sp[0].start; first > 0 {
		a.Prepended = first
		a.Problems = append(a.Problems, problem(RulePrepended, scanners.Low, 0, fmt.Sprintf(
			"%d bytes precede the first zip structure; they are scanned as member <prepended>", first)))
	}
	budget := a.lim.MaxGapScan
	pos := int64(0)
	for _, s := range append(sp, span{a.size, a.size, spanEnd}) {
		if s.start > pos && budget > 0 {
			n := min(s.start-pos, budget)
			budget -= n
			a.searchHidden(pos, n)
		}
		pos = max(pos, s.end)
	}
}

// searchHidden looks for plausible local file headers in [off, off+n).
func (a *Archive) searchHidden(off, n int64) {
	const chunk = 1 << 20
	for n > 0 {
		m := min(n, chunk+localLen)
		buf := make([]byte, m)
		got, _ := a.r.ReadAt(buf, off)
		buf = buf[:got]
		for i := 0; i+localLen <= len(buf); {
			j := bytes.Index(buf[i:], magicLocal)
			if j < 0 || i+j+localLen > len(buf) {
				break
			}
			h := buf[i+j:]
			if method := binary.LittleEndian.Uint16(h[8:]); method <= Zstd && binary.LittleEndian.Uint16(h[26:]) > 0 {
				a.Problems = append(a.Problems, problem(RuleUnreferenced, scanners.High, off+int64(i+j), fmt.Sprintf(
					"local file header at offset %d belongs to no central directory entry: streaming readers see a member that directory readers do not",
					off+int64(i+j))))
				return
			}
			i += j + 1
		}
		if got < int(m) || n <= chunk {
			return
		}
		off, n = off+chunk, n-chunk
	}
}
