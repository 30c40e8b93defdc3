package compress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// Rule IDs of the findings this package reports.
const (
	// RuleBomb: decompression was stopped by a size or ratio limit; the
	// rest of the stream was not scanned.
	RuleBomb = "COMPRESS-BOMB"
	// RuleTooDeep: streams nested too deep; the content was not scanned.
	RuleTooDeep = "COMPRESS-TOO-DEEP"
)

// Scanner recognises one compressed format by content and scans what it
// decompresses to.
type Scanner struct {
	format Format
	lim    Limits
}

// New returns the Scanner for format f; zero fields of lim take the
// defaults.
func New(f Format, lim Limits) *Scanner { return &Scanner{format: f, lim: lim.withDefaults()} }

// All returns a Scanner for every format, strongest magic first.
func All(lim Limits) []scanners.Scanner {
	out := make([]scanners.Scanner, 0, len(Formats))
	for _, f := range Formats {
		out = append(out, New(f, lim))
	}
	return out
}

// Name is the format's name: "gzip", "bzip2", "xz", "lzma", "zlib", "lz4"
// or "joblib-zfile".
func (s *Scanner) Name() string { return s.format.String() }

// Match reports whether head starts a stream of the format.
func (s *Scanner) Match(_ scanners.File, head []byte) bool { return Is(s.format, head) }

// Scan decompresses f into a bounded spool and hands the result to
// f.Nested. A corrupt or truncated stream is reported as a FormatError and
// what was decompressed before the damage is scanned all the same.
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	name := s.format.String()
	if f.MembersTooDeep() {
		return scanners.Result{Findings: []scanners.Finding{{Rule: RuleTooDeep, Severity: scanners.Medium, ATLAS: scanners.ATLASSupplyChainModel,
				Message: fmt.Sprintf("%s stream nested %d deep: not decompressed", name, f.Depth)}}},
			scanners.Errorf(name, 0, "nested %d deep; not decompressed", f.Depth)
	}
	zr, err := NewReader(s.format, io.NewSectionReader(f.R, 0, f.Size), s.lim)
	if err != nil {
		return scanners.Result{}, scanners.Errorf(name, 0, "%v", err)
	}
	defer zr.Close()
	sp, rerr := safeio.Spool(ctx, zr, safeio.SpoolLimits{MaxMemory: s.lim.MaxMemory, MaxSize: s.lim.MaxSize, Dir: s.lim.TempDir})
	defer func() { _ = sp.Close() }()
	var out []scanners.Finding
	var errs []error
	switch {
	case rerr == nil:
	case errors.Is(rerr, safeio.ErrTooLarge) || errors.Is(rerr, safeio.ErrBomb):
		out = append(out, scanners.Finding{Rule: RuleBomb, Severity: scanners.High, Offset: zr.Consumed(),
			ATLAS: scanners.ATLASSupplyChainModel, Message: fmt.Sprintf(
				"%s: decompression stopped after %d bytes from %d compressed: %v; the rest was not scanned", name, sp.Size(), zr.Consumed(), rerr)})
	case ctx.Err() != nil:
		errs = append(errs, rerr)
	default:
		errs = append(errs, scanners.Errorf(name, zr.Consumed(),
			"decompression failed after %d bytes of output (scanned up to there): %v", sp.Size(), rerr))
	}
	if sp.Size() > 0 && f.Nested != nil {
		fs, err := scanners.FindingsOf(f.Nested.ScanNested(ctx, f.Child(memberName(zr), sp, sp.Size())))
		out, errs = append(out, fs...), append(errs, err)
	}
	return scanners.Result{Findings: out}, errors.Join(errs...)
}

// memberName names the decompressed stream: the gzip header's file name
// when it is printable, else "<format>".
func memberName(zr *Reader) string {
	n := zr.Name
	if n == "" || len(n) > 255 || !utf8.ValidString(n) {
		return "<" + zr.Format.String() + ">"
	}
	for _, r := range n {
		if !unicode.IsPrint(r) {
			return "<" + zr.Format.String() + ">"
		}
	}
	return n
}
