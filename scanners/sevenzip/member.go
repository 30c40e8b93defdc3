package sevenzip

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	iofs "io/fs"
	"strings"

	"github.com/bodgit/sevenzip"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

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

// nameFindings reports traversal, links and duplicate names.
func nameFindings(files []*sevenzip.File) []scanners.Finding {
	var out []scanners.Finding
	seen := make(map[string]bool, len(files))
	for _, file := range files {
		name := file.Name
		switch {
		case escapes(name):
			out = append(out, finding(RulePathTraversal, scanners.High, "member name %q escapes the extraction directory", name))
		case strings.Contains(name, `\`):
			out = append(out, finding(RulePathTraversal, scanners.Medium, "member name %q contains a backslash", name))
		}
		if file.Mode()&iofs.ModeSymlink != 0 {
			out = append(out, finding(RuleSymlink, scanners.Medium, "member %q is a symbolic link (not followed)", name))
		}
		if seen[name] && !file.FileInfo().IsDir() {
			out = append(out, finding(RuleDuplicateName, scanners.Medium, "member %q appears twice", name))
		}
		seen[name] = true
	}
	return out
}

// safeReader turns panics of the library's decoders into errors.
type safeReader struct{ r io.Reader }

func (s safeReader) Read(p []byte) (n int, err error) {
	defer func() {
		if v := recover(); v != nil {
			n, err = 0, fmt.Errorf("7z decoder panicked: %v", v)
		}
	}()
	return s.r.Read(p)
}

func openFile(file *sevenzip.File) (rc io.ReadCloser, err error) {
	defer func() {
		if v := recover(); v != nil {
			rc, err = nil, fmt.Errorf("7z library panicked: %v", v)
		}
	}()
	return file.Open()
}

func closeFile(rc io.Closer) {
	defer func() { _ = recover() }()
	_ = rc.Close()
}

// scanMember decompresses one member into a spool of at most limit bytes
// (and the work left in w) and scans it, also when decompression failed
// part way. It returns the number of bytes decompressed. A member whose
// content was already scanned in this file at a cost past
// safeio.DedupeFloor (a 42.zip-style nest of copies) is counted, not
// scanned again.
func (s *Scanner) scanMember(ctx context.Context, f scanners.File, file *sevenzip.File, w *safeio.Work, limit int64) ([]scanners.Finding, int64, error) {
	sp, out, errs, err := s.decompress(ctx, f, file, w, limit)
	if err != nil {
		return s.openFailed(file, err)
	}
	defer func() { _ = sp.Close() }()
	if sp.Size() > 0 {
		fs, err := s.scanContent(ctx, f, file.Name, sp, w)
		out, errs = append(out, fs...), append(errs, err)
	}
	return out, sp.Size(), errors.Join(errs...)
}

// decompress spools one member and closes its reader before the content
// is scanned. It returns the findings and errors of reading; err is set
// when the member could not be opened.
func (s *Scanner) decompress(ctx context.Context, f scanners.File, file *sevenzip.File, w *safeio.Work, limit int64) (
	sp *safeio.Spooled, out []scanners.Finding, errs []error, err error) {
	rc, err := openFile(file)
	if err != nil {
		return nil, nil, nil, err
	}
	defer closeFile(rc)
	h := crc32.NewIEEE()
	budget := w.Remaining()
	guard := safeio.NewGuard(io.TeeReader(safeReader{rc}, h), func() int64 { return f.Size },
		safeio.BombLimits{MaxSize: min(limit, budget), MaxRatio: s.lim.MaxRatio, RatioFloor: s.lim.RatioFloor})
	sp, rerr := safeio.Spool(ctx, w.Reader(guard), safeio.SpoolLimits{MaxMemory: s.lim.MaxMemory, MaxSize: min(limit, budget), Dir: s.lim.TempDir})
	w.Add(sp.Size())
	var re *sevenzip.ReadError
	switch {
	case errors.Is(rerr, safeio.ErrWorkLimit):
		fs, herr := boundHit(w, fmt.Errorf("member %q: %w", file.Name, rerr))
		out, errs = append(out, fs...), append(errs, herr)
	case errors.Is(rerr, safeio.ErrDictTooLarge):
		out = append(out, finding(RuleDictTooLarge, scanners.Medium, "member %q: decoding stopped after %d bytes: %v; the rest was not scanned",
			file.Name, sp.Size(), rerr))
		errs = append(errs, scanners.MemberErrorf(file.Name, "7z", sp.Size(), "decompressing: %v", rerr))
	case errors.Is(rerr, safeio.ErrTooLarge) && budget < limit:
		fs, herr := boundHit(w, fmt.Errorf("member %q: %w", file.Name, w.BytesErr()))
		out, errs = append(out, fs...), append(errs, herr)
	case rerr == nil:
		if sum := h.Sum32(); file.CRC32 != 0 && sum != file.CRC32 {
			out = append(out, finding(RuleBadCRC, scanners.Medium, "member %q has CRC-32 %#08x, not the recorded %#08x", file.Name, sum, file.CRC32))
		}
	case errors.Is(rerr, safeio.ErrTooLarge) || errors.Is(rerr, safeio.ErrBomb):
		out = append(out, finding(RuleBomb, scanners.High, "member %q: decompression stopped after %d bytes: %v; the rest was not scanned",
			file.Name, sp.Size(), rerr))
	case errors.As(rerr, &re) && re.Encrypted:
		out = append(out, finding(RuleEncrypted, scanners.Medium, "member %q is encrypted: its content was not scanned", file.Name))
	case ctx.Err() != nil:
		errs = append(errs, rerr)
	default:
		errs = append(errs, scanners.MemberErrorf(file.Name, "7z", sp.Size(), "decompressing: %v", rerr))
	}
	return sp, out, errs, nil
}

// scanContent hands a decompressed member to the scanners, once per content
// that costs more than safeio.DedupeFloor.
func (s *Scanner) scanContent(ctx context.Context, f scanners.File, name string, sp *safeio.Spooled, w *safeio.Work) ([]scanners.Finding, error) {
	key, hashed := safeio.ContentOf(sp, sp.Size(), "7z-member")
	if cost, costly := w.Costly(key); hashed && costly {
		w.Add(cost)
		return nil, nil
	}
	before := w.Total()
	fs, err := scanners.FindingsOf(f.Nested.ScanNested(ctx, f.Child(name, sp, sp.Size())))
	if hashed {
		w.Done(key, w.Total()-before)
	}
	return fs, err
}

func (s *Scanner) openFailed(file *sevenzip.File, err error) ([]scanners.Finding, int64, error) {
	var re *sevenzip.ReadError
	var out []scanners.Finding
	if errors.As(err, &re) && re.Encrypted {
		out = append(out, finding(RuleEncrypted, scanners.Medium, "member %q is encrypted: its content was not scanned", file.Name))
	}
	return out, 0, scanners.MemberErrorf(file.Name, "7z", 0, "opening: %v", err)
}
