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
	// RuleDictTooLarge: an LZMA/LZMA2 stream referred back further than
	// the dictionary it was decoded with (safeio.MaxDict), which was less
	// than it declared; the rest of it was not scanned.
	RuleDictTooLarge = "COMPRESS-DICT-TOO-LARGE"
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
// what was decompressed before the damage is scanned all the same. The
// bytes decompressed count against the work budget of the top-level file
// (safeio.Work); a stream whose compressed bytes were already scanned in
// the same file at a cost past safeio.DedupeFloor is counted, not scanned
// again.
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	name := s.format.String()
	if f.MembersTooDeep() {
		return scanners.Result{Findings: []scanners.Finding{{Rule: RuleTooDeep, Severity: scanners.Medium, ATLAS: scanners.ATLASSupplyChainModel,
				Message: fmt.Sprintf("%s stream nested %d deep: not decompressed", name, f.Depth)}}},
			scanners.Errorf(name, 0, "nested %d deep; not decompressed", f.Depth)
	}
	ctx, w := safeio.WithWork(ctx, s.lim.Work)
	if err := w.Take(); err != nil {
		return s.boundHit(w, 0, err)
	}
	// Only a nested stream can occur twice in one file.
	var key safeio.ContentKey
	hashed := false
	if f.Depth > 0 {
		key, hashed = safeio.ContentOf(f.R, f.Size, name)
	}
	if cost, costly := w.Costly(key); hashed && costly {
		w.Add(cost)
		return scanners.Result{}, nil
	}
	before := w.Total()
	res, err := s.scan(ctx, f, w)
	if hashed {
		w.Done(key, w.Total()-before)
	}
	return res, err
}

func (s *Scanner) scan(ctx context.Context, f scanners.File, w *safeio.Work) (scanners.Result, error) {
	sp, member, out, errs := s.decompress(ctx, f, w)
	if sp == nil {
		return scanners.Result{Findings: out}, errors.Join(errs...)
	}
	defer func() { _ = sp.Close() }()
	// The decompressor is released by now: its dictionary (up to MaxDict)
	// is not kept while what it produced is scanned.
	if sp.Size() > 0 && f.Nested != nil {
		fs, err := scanners.FindingsOf(f.Nested.ScanNested(ctx, f.Child(member, sp, sp.Size())))
		out, errs = append(out, fs...), append(errs, err)
	}
	return scanners.Result{Findings: out}, errors.Join(errs...)
}

// decompress spools the decompressed stream and closes the decompressor;
// sp is nil when the stream could not be opened.
func (s *Scanner) decompress(ctx context.Context, f scanners.File, w *safeio.Work) (sp *safeio.Spooled, member string, out []scanners.Finding, errs []error) {
	name := s.format.String()
	zr, err := NewReader(s.format, io.NewSectionReader(f.R, 0, f.Size), s.lim)
	if err != nil {
		return nil, "", nil, []error{scanners.Errorf(name, 0, "%v", err)}
	}
	defer zr.Close()
	budget := w.Remaining()
	sp, rerr := safeio.Spool(ctx, w.Reader(zr), safeio.SpoolLimits{MaxMemory: s.lim.MaxMemory, MaxSize: min(s.lim.MaxSize, budget), Dir: s.lim.TempDir})
	w.Add(sp.Size())
	switch {
	case rerr == nil:
	case errors.Is(rerr, safeio.ErrWorkLimit):
		res, err := s.boundHit(w, zr.Consumed(), rerr)
		out, errs = append(out, res.Findings...), append(errs, err)
	case errors.Is(rerr, safeio.ErrDictTooLarge):
		out = append(out, scanners.Finding{Rule: RuleDictTooLarge, Severity: scanners.Medium, Offset: zr.Consumed(),
			ATLAS: scanners.ATLASSupplyChainModel, Message: fmt.Sprintf(
				"%s: decoding stopped after %d bytes: %v; the rest was not scanned", name, sp.Size(), rerr)})
		errs = append(errs, scanners.Errorf(name, zr.Consumed(), "%v; the rest was not scanned", rerr))
	case errors.Is(rerr, safeio.ErrTooLarge) && budget < s.lim.MaxSize:
		res, err := s.boundHit(w, zr.Consumed(), w.BytesErr())
		out, errs = append(out, res.Findings...), append(errs, err)
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
	return sp, memberName(zr), out, errs
}

// boundHit is the result of a work bound of the top-level file: invalid,
// never clean; only the first stream or archive to hit it reports the
// finding.
func (s *Scanner) boundHit(w *safeio.Work, off int64, err error) (scanners.Result, error) {
	name := s.format.String()
	ferr := scanners.Errorf(name, off, "%v; the rest was not scanned", err)
	if !w.FirstHit() {
		return scanners.Result{}, ferr
	}
	return scanners.Result{Findings: []scanners.Finding{{Rule: RuleBomb, Severity: scanners.High, Offset: off,
		ATLAS: scanners.ATLASSupplyChainModel, Message: fmt.Sprintf("%s: %v; the rest was not scanned", name, err)}}}, ferr
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
