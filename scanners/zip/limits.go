// Package zip reads zip archives written by an adversary. Unlike archive/zip
// it reads both the central directory (which PyTorch, Python's zipfile and
// most loaders use) and every local file header (which streaming readers
// use), and reports where they disagree, together with path traversal,
// duplicate names, overlapping entries, bad CRCs, encryption flags and
// decompression bombs. ScanArchive hands each member to the full scanner set.
package zip

import (
	"fmt"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Rule IDs of the findings this package reports.
const (
	// RuleHeaderMismatch: a local header, data descriptor or Unicode path
	// field disagrees with the central directory (CVE-2025-1944, -1945).
	RuleHeaderMismatch = "ZIP-HEADER-MISMATCH"
	// RuleBadCRC: the CRC-32 of a member does not match (CVE-2025-10156).
	RuleBadCRC = "ZIP-BAD-CRC"
	// RuleEncrypted: a member is flagged as encrypted but reads as plain
	// data (loaders that ignore the flag load it; zipfile-based scanners
	// skip it).
	RuleEncrypted = "ZIP-ENCRYPTED-FLAG"
	// RuleEncryptedMember: a member really is encrypted (AES, or bytes that
	// do not read as plain data): its content cannot be inspected.
	RuleEncryptedMember = "ZIP-ENCRYPTED-MEMBER"
	// RuleFlagBits: flag bits that make Python's zipfile refuse a member
	// that PyTorch loads (patched data, CVE-2025-1945), or reserved bits.
	RuleFlagBits = "ZIP-FLAG-BITS"
	// RulePathTraversal: a member name with "..", an absolute path, a
	// backslash or a NUL byte.
	RulePathTraversal = "ZIP-PATH-TRAVERSAL"
	// RuleDuplicateName: two members with the same name.
	RuleDuplicateName = "ZIP-DUPLICATE-NAME"
	// RuleOverlap: two members (or a member and the directory) share bytes.
	RuleOverlap = "ZIP-OVERLAP"
	// RuleBomb: decompression was stopped by a size or ratio limit.
	RuleBomb = "ZIP-BOMB"
	// RuleDictTooLarge: an LZMA member referred back further than the
	// dictionary it was decoded with (safeio.MaxDict), which was less than
	// it declared; the rest of it was not scanned.
	RuleDictTooLarge = "ZIP-DICT-TOO-LARGE"
	// RuleUnsupportedMethod: a compression method the scanner cannot read.
	RuleUnsupportedMethod = "ZIP-UNSUPPORTED-METHOD"
	// RuleSizeMismatch: the member's bytes do not have the declared size.
	RuleSizeMismatch = "ZIP-SIZE-MISMATCH"
	// RuleCountMismatch: the end record's entry count differs from the
	// records in the central directory (readers that count and readers that
	// walk the directory see different members).
	RuleCountMismatch = "ZIP-CD-COUNT-MISMATCH"
	// RuleUnreferenced: a local file header that no central directory
	// record points to; streaming readers see a member others do not.
	RuleUnreferenced = "ZIP-UNREFERENCED-ENTRY"
	// RulePrepended: bytes before the first zip structure.
	RulePrepended = "ZIP-PREPENDED-DATA"
	// RuleDataOutside: a member's data lies outside the file.
	RuleDataOutside = "ZIP-DATA-OUTSIDE"
	// RuleAmbiguousEnd: more than one end-of-central-directory record.
	RuleAmbiguousEnd = "ZIP-EOCD-AMBIGUOUS"
	// RuleTooDeep: archives nested too deep; members were not scanned.
	RuleTooDeep = "ZIP-TOO-DEEP"
)

// Limits bounds what Open and Entry.Open do with one archive.
type Limits struct {
	// MaxEntries is the most central directory records read.
	MaxEntries int
	// MaxCentralDirectory is the largest central directory read, in bytes.
	MaxCentralDirectory int64
	// MaxEntrySize is the most uncompressed bytes read from one member.
	MaxEntrySize int64
	// MaxTotalSize is the most uncompressed bytes read from all members.
	MaxTotalSize int64
	// MaxRatio is the largest uncompressed/compressed ratio tolerated once
	// a member passes RatioFloor bytes (deflate cannot exceed ~1032).
	MaxRatio int64
	// RatioFloor is the member size below which the ratio is not checked.
	RatioFloor int64
	// MaxDict caps the zstd window and the LZMA dictionary allocated (the
	// latter at most safeio.MaxDict: an LZMA member that declares more is
	// decoded with that and fails with safeio.ErrDictTooLarge, reported
	// as RuleDictTooLarge, if it refers back further).
	MaxDict int64
	// MaxGapScan is how many bytes outside the referenced members are
	// searched for hidden local file headers.
	MaxGapScan int64
}

// DefaultLimits returns limits for model-sized archives: 100,000 entries,
// a 64 MiB central directory, 4 GiB per member, 16 GiB per archive.
func DefaultLimits() Limits {
	return Limits{
		MaxEntries:          100_000,
		MaxCentralDirectory: 64 << 20,
		MaxEntrySize:        4 << 30,
		MaxTotalSize:        16 << 30,
		MaxRatio:            1100,
		RatioFloor:          256 << 20,
		MaxDict:             64 << 20,
		MaxGapScan:          16 << 20,
	}
}

// withDefaults replaces zero fields with the defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxCentralDirectory <= 0 {
		l.MaxCentralDirectory = d.MaxCentralDirectory
	}
	if l.MaxEntrySize <= 0 {
		l.MaxEntrySize = d.MaxEntrySize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.RatioFloor <= 0 {
		l.RatioFloor = d.RatioFloor
	}
	if l.MaxDict <= 0 {
		l.MaxDict = d.MaxDict
	}
	if l.MaxGapScan <= 0 {
		l.MaxGapScan = d.MaxGapScan
	}
	return l
}

// problem builds an archive-level finding; ScanArchive sets its Member.
func problem(rule string, sev scanners.Severity, off int64, msg string) scanners.Finding {
	return scanners.Finding{Rule: rule, Severity: sev, Message: msg, Offset: off, ATLAS: scanners.ATLASSupplyChainModel}
}

// formatErr builds the error for unparseable structure at off.
func formatErr(off int64, msg string, args ...any) *scanners.FormatError {
	return &scanners.FormatError{Format: "zip", Offset: off, Msg: fmt.Sprintf(msg, args...)}
}
