package tar

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

func finding(rule string, sev scanners.Severity, off int64, msg string, args ...any) scanners.Finding {
	return scanners.Finding{Rule: rule, Severity: sev, Offset: off, ATLAS: scanners.ATLASSupplyChainModel, Message: fmt.Sprintf(msg, args...)}
}

// escapes reports whether a slash- or backslash-separated path is absolute
// or climbs out with "..".
func escapes(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || (len(p) >= 2 && p[1] == ':') {
		return true
	}
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return true
		}
	}
	return false
}

// headerFindings reports names, links and special files; names records the
// names seen so far.
func headerFindings(h *tar.Header, off int64, names map[string]bool) []scanners.Finding {
	var out []scanners.Finding
	switch {
	case escapes(h.Name):
		out = append(out, finding(RulePathTraversal, scanners.High, off, "member name %q escapes the extraction directory", h.Name))
	case strings.Contains(h.Name, `\`):
		out = append(out, finding(RulePathTraversal, scanners.Medium, off, "member name %q contains a backslash", h.Name))
	}
	switch h.Typeflag {
	case tar.TypeSymlink, tar.TypeLink:
		rule, kind := RuleSymlink, "symbolic link"
		if h.Typeflag == tar.TypeLink {
			rule, kind = RuleHardlink, "hard link"
		}
		target := h.Linkname
		if h.Typeflag == tar.TypeSymlink && !strings.HasPrefix(target, "/") {
			target = path.Join(path.Dir(h.Name), target) //nolint:gosec // G305: only reported, nothing is extracted
		}
		sev := scanners.Medium
		if escapes(target) {
			sev = scanners.High
		}
		out = append(out, finding(rule, sev, off, "member %q is a %s to %q (not followed)", h.Name, kind, h.Linkname))
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		out = append(out, finding(RuleSpecialFile, scanners.Low, off, "member %q is a device or FIFO (type %q)", h.Name, h.Typeflag))
	}
	if h.Typeflag != tar.TypeDir && h.Typeflag != tar.TypeXGlobalHeader {
		key := path.Clean("/" + strings.TrimPrefix(h.Name, "./"))
		if names[key] {
			out = append(out, finding(RuleDuplicateName, scanners.Medium, off,
				"member %q appears twice: extraction keeps the last, other readers the first", h.Name))
		}
		names[key] = true
	}
	return out
}

// Scanner finds tar archives by content and scans their members.
type Scanner struct{ lim Limits }

// New returns a tar Scanner; zero fields of lim take the defaults.
func New(lim Limits) *Scanner { return &Scanner{lim: lim.withDefaults()} }

// Name is "tar".
func (s *Scanner) Name() string { return "tar" }

// Match reports a tar header at the start of f.
func (s *Scanner) Match(_ scanners.File, head []byte) bool { return Sniff(head) }

// Scan reports the archive's names and links and hands every regular
// member to f.Nested.
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	tooDeep := f.MembersTooDeep()
	var member []scanners.Finding
	ctx, w := safeio.WithWork(ctx, s.lim.Work)
	fs, err := Walk(f.R, f.Size, s.lim, func(m Member) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if tooDeep || f.Nested == nil {
			return nil
		}
		if err := w.Take(); err != nil {
			fd, herr := boundHit(w, m.Offset, err)
			member = append(member, fd...)
			return herr
		}
		got, err := s.scanMember(ctx, f, m, w)
		member = append(member, got...)
		return err
	})
	errs := []error{err}
	if tooDeep {
		fs = append(fs, scanners.Finding{Rule: RuleTooDeep, Severity: scanners.Medium, ATLAS: scanners.ATLASSupplyChainModel,
			Message: fmt.Sprintf("tar nested %d archives deep: members not scanned", f.Depth)})
		errs = append(errs, scanners.Errorf("tar", 0, "nested %d archives deep; members not scanned", f.Depth))
	}
	return scanners.Result{Findings: append(fs, member...)}, errors.Join(errs...)
}

// scanMember hands one member over: contiguous members lazily through their
// section of the archive, sparse ones expanded into a bounded spool.
func (s *Scanner) scanMember(ctx context.Context, f scanners.File, m Member, w *safeio.Work) ([]scanners.Finding, error) {
	if m.Offset >= 0 {
		fs, err := scanners.FindingsOf(f.Nested.ScanNested(ctx, f.Child(m.Header.Name, io.NewSectionReader(f.R, m.Offset, m.Size), m.Size)))
		return fs, err
	}
	budget := w.Remaining()
	sp, rerr := safeio.Spool(ctx, w.Reader(m.Stream), safeio.SpoolLimits{MaxMemory: s.lim.MaxMemory, MaxSize: min(s.lim.MaxMemberSize, budget), Dir: s.lim.TempDir})
	defer func() { _ = sp.Close() }()
	w.Add(sp.Size())
	var out []scanners.Finding
	var errs []error
	switch {
	case rerr == nil:
	case errors.Is(rerr, safeio.ErrWorkLimit):
		fd, herr := boundHit(w, -1, fmt.Errorf("sparse member %q: %w", m.Header.Name, rerr))
		out, errs = append(out, fd...), append(errs, herr)
	case errors.Is(rerr, safeio.ErrTooLarge) && budget < s.lim.MaxMemberSize:
		fd, herr := boundHit(w, -1, fmt.Errorf("sparse member %q: %w", m.Header.Name, w.BytesErr()))
		out, errs = append(out, fd...), append(errs, herr)
	case errors.Is(rerr, safeio.ErrTooLarge):
		out = append(out, scanners.Finding{Rule: RuleBomb, Severity: scanners.High, ATLAS: scanners.ATLASSupplyChainModel,
			Message: fmt.Sprintf("sparse member %q expands past %d bytes; the rest was not scanned", m.Header.Name, s.lim.MaxMemberSize)})
	default:
		errs = append(errs, scanners.MemberErrorf(m.Header.Name, "tar", sp.Size(), "expanding sparse member: %v", rerr))
	}
	if sp.Size() > 0 {
		fs, err := scanners.FindingsOf(f.Nested.ScanNested(ctx, f.Child(m.Header.Name, sp, sp.Size())))
		out, errs = append(out, fs...), append(errs, err)
	}
	return out, errors.Join(errs...)
}

// boundHit is the finding and error of a work bound of the top-level file:
// the file is invalid, never clean, and the rest was not scanned. Only the
// first archive to hit the bound reports the finding; the error (which
// ends the walk) is returned each time.
func boundHit(w *safeio.Work, off int64, err error) ([]scanners.Finding, error) {
	herr := Stop(scanners.Errorf("tar", off, "%v; the rest was not scanned", err))
	if !w.FirstHit() {
		return nil, herr
	}
	return []scanners.Finding{{Rule: RuleBomb, Severity: scanners.High, Offset: off, ATLAS: scanners.ATLASSupplyChainModel,
		Message: fmt.Sprintf("tar bomb: %v; the rest was not scanned", err)}}, herr
}
