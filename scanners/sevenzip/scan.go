// Package sevenzip scans 7z archives with github.com/bodgit/sevenzip. Before
// the library sees an archive its header is walked here, so that every
// count the library turns into an allocation is bounded; the library's
// dictionary-allocating decoders are replaced by bounded ones; its panics
// become FormatErrors. Each member is decompressed within size limits into
// a spool and handed to the full scanner set.
package sevenzip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"

	"github.com/bodgit/sevenzip"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// Rule IDs of the findings this package reports.
const (
	// RulePathTraversal: a member name with "..", an absolute path or a
	// backslash.
	RulePathTraversal = "7Z-PATH-TRAVERSAL"
	// RuleSymlink: a symbolic link member (not followed).
	RuleSymlink = "7Z-SYMLINK"
	// RuleEncrypted: encrypted content or headers that cannot be scanned.
	RuleEncrypted = "7Z-ENCRYPTED"
	// RuleBadCRC: a member's CRC-32 does not match.
	RuleBadCRC = "7Z-BAD-CRC"
	// RuleDuplicateName: two members with the same name.
	RuleDuplicateName = "7Z-DUPLICATE-NAME"
	// RuleBomb: decompression was stopped by a size or ratio limit, or the
	// work budget of the top-level file (entries, bytes, time) ran out.
	RuleBomb = "7Z-BOMB"
	// RuleTooDeep: archives nested too deep; members were not scanned.
	RuleTooDeep = "7Z-TOO-DEEP"
	// RuleDictTooLarge: an LZMA/LZMA2 member referred back further than
	// the dictionary it was decoded with (safeio.MaxDict), which was less
	// than it declared; the rest of it was not scanned.
	RuleDictTooLarge = "7Z-DICT-TOO-LARGE"
)

// Limits bounds what one archive may cost. Zero fields take the defaults.
type Limits struct {
	// MaxEntries is the most files, folders or streams a header may list.
	MaxEntries int
	// MaxHeaderSize is the largest header read (and decoded, when encoded).
	MaxHeaderSize int64
	// MaxMemberSize is the most decompressed bytes of one member scanned.
	MaxMemberSize int64
	// MaxTotalSize is the most decompressed bytes of all members.
	MaxTotalSize int64
	// MaxRatio is the largest ratio of a member's output to the archive's
	// size tolerated once the output passes RatioFloor.
	MaxRatio int64
	// RatioFloor is the output size below which the ratio is not checked.
	RatioFloor int64
	// MaxMemory is how much of a member is kept in memory before spooling
	// to a temporary file.
	MaxMemory int64
	// TempDir holds spool files ("" is the system default).
	TempDir string
	// Work bounds the top-level file when a 7z is its outermost archive
	// (nested archives share the outer one's safeio.Work).
	Work safeio.WorkLimits
}

// DefaultLimits: 100,000 entries, a 64 MiB header, 4 GiB per member,
// 16 GiB per archive, ratio 2000 beyond 256 MiB, 1 MiB in memory, depth 8,
// and safeio.DefaultWorkLimits per top-level file.
func DefaultLimits() Limits {
	return Limits{MaxEntries: 100_000, MaxHeaderSize: 64 << 20, MaxMemberSize: 4 << 30, MaxTotalSize: 16 << 30,
		MaxRatio: 2000, RatioFloor: 256 << 20, MaxMemory: safeio.DefaultSpoolLimits().MaxMemory, Work: safeio.DefaultWorkLimits()}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, p := range []struct{ v, d *int64 }{
		{&l.MaxHeaderSize, &d.MaxHeaderSize}, {&l.MaxMemberSize, &d.MaxMemberSize}, {&l.MaxTotalSize, &d.MaxTotalSize},
		{&l.MaxRatio, &d.MaxRatio}, {&l.RatioFloor, &d.RatioFloor}, {&l.MaxMemory, &d.MaxMemory},
	} {
		if *p.v <= 0 {
			*p.v = *p.d
		}
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	return l
}

// Open checks the header of the 7z archive in r and opens it with the
// library. Errors wrap *scanners.FormatError-ready messages; panics in the
// library are recovered into errors.
func Open(r io.ReaderAt, size int64, lim Limits) (_ *sevenzip.Reader, err error) {
	lim = lim.withDefaults()
	registerDecoders()
	off, n, crc, err := readStart(r, size, lim.MaxHeaderSize)
	if err != nil {
		return nil, err
	}
	if _, err := validate(r, size, off, n, crc, lim); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: the 7z library panicked: %v", errHeader, p)
		}
	}()
	return sevenzip.NewReader(r, size)
}

// Scanner finds 7z archives by their signature and scans their members.
type Scanner struct{ lim Limits }

// New returns a 7z Scanner; zero fields of lim take the defaults.
func New(lim Limits) *Scanner { return &Scanner{lim: lim.withDefaults()} }

// Name is "7z".
func (s *Scanner) Name() string { return "7z" }

// Match reports the 7z signature at the start of f.
func (s *Scanner) Match(_ scanners.File, head []byte) bool { return bytes.HasPrefix(head, magic) }

func finding(rule string, sev scanners.Severity, msg string, args ...any) scanners.Finding {
	return scanners.Finding{Rule: rule, Severity: sev, Offset: -1, ATLAS: scanners.ATLASSupplyChainModel,
		Message: fmt.Sprintf(msg, args...)}
}

// Scan opens f and hands each member, decompressed into a bounded spool, to
// f.Nested.
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	z, err := Open(f.R, f.Size, s.lim)
	if err != nil {
		var out []scanners.Finding
		var re *sevenzip.ReadError
		if errors.Is(err, errEncryptedHeader) || (errors.As(err, &re) && re.Encrypted) {
			out = append(out, finding(RuleEncrypted, scanners.Medium, "7z headers are encrypted: nothing in the archive could be scanned"))
		}
		return scanners.Result{Findings: out}, scanners.Errorf("7z", -1, "%v", err)
	}
	out := nameFindings(z.File)
	if f.MembersTooDeep() {
		out = append(out, finding(RuleTooDeep, scanners.Medium, "7z nested %d archives deep: members not scanned", f.Depth))
		return scanners.Result{Findings: out}, scanners.Errorf("7z", 0, "nested %d archives deep; members not scanned", f.Depth)
	}
	if f.Nested == nil {
		return scanners.Result{Findings: out}, nil
	}
	var declared uint64
	for _, file := range z.File {
		declared += file.UncompressedSize
	}
	if declared > uint64(s.lim.MaxTotalSize) { //nolint:gosec // positive
		out = append(out, finding(RuleBomb, scanners.High,
			"members declare %d uncompressed bytes, over the limit of %d: members past it are not scanned", declared, s.lim.MaxTotalSize))
	}
	fs, err := s.scanMembers(ctx, f, z.File)
	out = append(out, fs...)
	return scanners.Result{Findings: out}, err
}

// scanMembers scans the members within the archive's MaxTotalSize and the
// work budget of the top-level file.
func (s *Scanner) scanMembers(ctx context.Context, f scanners.File, files []*sevenzip.File) ([]scanners.Finding, error) {
	var out []scanners.Finding
	var errs []error
	ctx, w := safeio.WithWork(ctx, s.lim.Work)
	budget := s.lim.MaxTotalSize
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		if file.FileInfo().IsDir() || file.Mode()&iofs.ModeSymlink != 0 || file.UncompressedSize == 0 {
			continue
		}
		if file.UncompressedSize > uint64(budget) { //nolint:gosec // budget >= 0
			break
		}
		if err := w.Take(); err != nil {
			fs, herr := boundHit(w, err)
			out, errs = append(out, fs...), append(errs, herr)
			break
		}
		fs, used, err := s.scanMember(ctx, f, file, w, min(budget, s.lim.MaxMemberSize))
		out, errs, budget = append(out, fs...), append(errs, err), budget-used
		if errors.Is(err, safeio.ErrWorkLimit) {
			break
		}
	}
	return out, errors.Join(errs...)
}

// boundHit is the finding and error of a work bound of the top-level file:
// the file is invalid, never clean, and the rest was not scanned. Only the
// first archive to hit the bound reports the finding.
func boundHit(w *safeio.Work, err error) ([]scanners.Finding, error) {
	herr := &workError{scanners.Errorf("7z", -1, "%v; the rest was not scanned", err)}
	if !w.FirstHit() {
		return nil, herr
	}
	return []scanners.Finding{finding(RuleBomb, scanners.High, "7z bomb: %v; the rest was not scanned", err)}, herr
}

// workError marks the FormatError of a work bound (errors.Is ErrWorkLimit).
type workError struct{ error }

func (e *workError) Unwrap() error        { return e.error }
func (e *workError) Is(target error) bool { return target == safeio.ErrWorkLimit }
