package zip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// ScanOptions says how ScanArchive reads members. Zero fields take the
// defaults of DefaultScanOptions.
type ScanOptions struct {
	// MaxMemory is how much of a decompressed member is kept in memory
	// before it is spooled to a temporary file.
	MaxMemory int64
	// MaxMember is the most bytes of one decompressed member scanned.
	MaxMember int64
	// VerifyStoredBelow is the size below which stored members are read in
	// full to check their CRC; larger ones are only sniffed lazily.
	VerifyStoredBelow int64
	// TempDir holds spool files ("" is the system default).
	TempDir string
	// MaxWorkBytes, MaxWorkEntries and MaxWorkTime bound the work of one
	// top-level file, all nested archives together: bytes decompressed,
	// entries scanned, time spent. Reaching one makes the file invalid.
	MaxWorkBytes   int64
	MaxWorkEntries int64
	MaxWorkTime    time.Duration
	// MaxWorkMemory is the most memory all spools of the top-level file
	// keep at once.
	MaxWorkMemory int64
}

// workLimits are the bounds of a top-level file scanned with o.
func (o ScanOptions) workLimits() safeio.WorkLimits {
	return safeio.WorkLimits{MaxBytes: o.MaxWorkBytes, MaxEntries: o.MaxWorkEntries, MaxTime: o.MaxWorkTime, MaxMemory: o.MaxWorkMemory}
}

// DefaultScanOptions: 1 MiB in memory, 4 GiB per member, CRC of stored
// members up to 64 MiB; per top-level file the safeio.DefaultWorkLimits
// (16 GiB decompressed, 1M entries, 5 minutes, 4 MiB of spools in memory).
func DefaultScanOptions() ScanOptions {
	w := safeio.DefaultWorkLimits()
	return ScanOptions{MaxMemory: safeio.DefaultSpoolLimits().MaxMemory, MaxMember: 4 << 30, VerifyStoredBelow: 64 << 20,
		MaxWorkBytes: w.MaxBytes, MaxWorkEntries: w.MaxEntries, MaxWorkTime: w.MaxTime, MaxWorkMemory: w.MaxMemory}
}

func (o ScanOptions) withDefaults() ScanOptions {
	d := DefaultScanOptions()
	if o.MaxMemory <= 0 {
		o.MaxMemory = d.MaxMemory
	}
	if o.MaxMember <= 0 {
		o.MaxMember = d.MaxMember
	}
	if o.VerifyStoredBelow <= 0 {
		o.VerifyStoredBelow = d.VerifyStoredBelow
	}
	if o.MaxWorkBytes <= 0 {
		o.MaxWorkBytes = d.MaxWorkBytes
	}
	if o.MaxWorkEntries <= 0 {
		o.MaxWorkEntries = d.MaxWorkEntries
	}
	if o.MaxWorkTime <= 0 {
		o.MaxWorkTime = d.MaxWorkTime
	}
	if o.MaxWorkMemory <= 0 {
		o.MaxWorkMemory = d.MaxWorkMemory
	}
	return o
}

// Findings returns the archive-level and per-entry findings of Open and
// the parse errors, relative to the archive.
func (a *Archive) Findings() ([]scanners.Finding, error) {
	out := append([]scanners.Finding(nil), a.Problems...)
	for i := range a.Entries {
		out = append(out, a.Entries[i].Problems...)
	}
	errs := make([]error, 0, len(a.Errors))
	for _, e := range a.Errors {
		c := *e
		errs = append(errs, &c)
	}
	return out, errors.Join(errs...)
}

// ScanArchive reports the findings of a (archive-level and per entry) and
// hands every member to f.Nested: stored members lazily through their
// section of the file, compressed ones decompressed into a bounded spool.
// Bytes prepended to the archive are scanned as member "<prepended>".
func ScanArchive(ctx context.Context, f scanners.File, a *Archive, opts ScanOptions) ([]scanners.Finding, error) {
	opts = opts.withDefaults()
	out, err := a.Findings()
	errs := []error{err}
	if f.MembersTooDeep() {
		out = append(out, scanners.Finding{Rule: RuleTooDeep, Severity: scanners.Medium,
			ATLAS: scanners.ATLASSupplyChainModel, Message: fmt.Sprintf("zip nested %d archives deep: members not scanned", f.Depth)})
		errs = append(errs, scanners.Errorf("zip", 0, "nested %d archives deep; members not scanned", f.Depth))
		return out, errors.Join(errs...)
	}
	if f.Nested == nil {
		return out, errors.Join(errs...)
	}
	if a.Prepended > 0 {
		fs, err := nested(ctx, f, "<prepended>", io.NewSectionReader(a.r, 0, a.Prepended), a.Prepended)
		out, errs = append(out, fs...), append(errs, err)
	}
	type dataKey struct {
		off    int64
		size   uint64
		method uint16
	}
	scanned := make(map[dataKey]bool, len(a.Entries))
	ctx, w := withWork(ctx, opts)
	for i := range a.Entries {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		e := &a.Entries[i]
		if err := w.Take(); err != nil {
			if w.FirstHit() {
				fd, ferr := boundHit(e.LocalHeaderOffset, err)
				out, errs = append(out, fd), append(errs, ferr)
			} else {
				errs = append(errs, scanners.Errorf("zip", e.LocalHeaderOffset, "work limit reached; not scanned"))
			}
			break
		}
		// Entries sharing the same bytes (reported as ZIP-OVERLAP) decode
		// to the same content, and so do compressed members with the same
		// bytes anywhere in the file: scan each content once.
		if k := (dataKey{e.DataOffset, e.CompressedSize, e.Method}); !scanned[k] {
			scanned[k] = true
			ck, hashed := contentOf(a, e)
			if cost, costly := w.Costly(ck); hashed && costly {
				// Not decompressed again, but counted: a loader extracting
				// everything does that work (a 42.zip is 4 TiB of zeros).
				w.Add(cost)
				continue
			}
			before := w.Total()
			fs, enc, err := scanEntry(ctx, f, e, opts, w)
			out, errs = append(out, fs...), append(errs, err)
			if enc {
				out = encryptedMember(out, e)
			}
			if hashed {
				w.Done(ck, w.Total()-before)
			}
		}
	}
	return out, errors.Join(errs...)
}

// nested scans one member with the full scanner set.
func nested(ctx context.Context, f scanners.File, name string, r io.ReaderAt, size int64) ([]scanners.Finding, error) {
	fs, err := scanners.FindingsOf(f.Nested.ScanNested(ctx, f.Child(name, r, size)))
	return fs, err
}

// scanEntry scans one member; enc reports a member that really is
// encrypted (see encryptedMember).
func scanEntry(ctx context.Context, f scanners.File, e *Entry, opts ScanOptions, w *safeio.Work) (fs []scanners.Finding, enc bool, err error) {
	if e.Method == AES {
		return nil, true, nil
	}
	if e.DataOffset < 0 || (e.CompressedSize == 0 && e.UncompressedSize == 0) {
		return nil, false, nil
	}
	switch e.Method {
	case Store:
		return scanStored(ctx, f, e, opts)
	case Deflate, Bzip2, LZMA, Zstd:
		return scanCompressed(ctx, f, e, opts, w)
	default:
		return nil, false, nil // reported as ZIP-UNSUPPORTED-METHOD
	}
}

// scanStored checks the CRC of small stored members and hands the member
// over lazily, so a large stored tensor is read only as far as sniffing goes.
func scanStored(ctx context.Context, f scanners.File, e *Entry, opts ScanOptions) ([]scanners.Finding, bool, error) {
	sr, err := e.ReaderAt()
	if err != nil {
		return nil, false, nil //nolint:nilerr // reported by Open as ZIP-DATA-OUTSIDE
	}
	var out []scanners.Finding
	var errs []error
	enc := false
	if sr.Size() <= opts.VerifyStoredBelow {
		if er, err := e.Open(); err == nil {
			_, rerr := io.Copy(io.Discard, er)
			_ = er.Close()
			out = append(out, er.Findings()...)
			if rerr != nil && !errors.Is(rerr, ErrChecksum) {
				errs = append(errs, scanners.Errorf("zip", e.DataOffset+er.Consumed(), "reading entry %q: %v", e.Name, rerr))
			}
			// ZipCrypto puts a 12-byte header before the data: the bytes
			// are 12 longer than declared, and the CRC fails.
			if e.Encrypted() && errors.Is(rerr, ErrChecksum) && e.CompressedSize == e.UncompressedSize+zipCryptoHeader {
				out, errs, enc = nil, nil, true
			}
		}
	}
	fs, err := nested(ctx, f, e.Name, sr, sr.Size())
	return append(out, fs...), enc, errors.Join(append(errs, err)...)
}

// scanCompressed decompresses a member into a bounded spool and scans what
// came out, even when decompression failed part way: a loader may have
// acted on those bytes.
func scanCompressed(ctx context.Context, f scanners.File, e *Entry, opts ScanOptions, w *safeio.Work) ([]scanners.Finding, bool, error) {
	sp, out, errs, enc := decompress(ctx, e, opts, w)
	if sp == nil {
		return out, enc, errors.Join(errs...)
	}
	defer func() { _ = sp.Close() }()
	// The decompressor is released by now: its window or dictionary (up
	// to MaxDict) is not kept while nested archives are scanned.
	if sp.Size() > 0 {
		fs, err := nested(ctx, f, e.Name, sp, sp.Size())
		out, errs = append(out, fs...), append(errs, err)
	}
	return out, enc, errors.Join(errs...)
}

// decompress spools the member's content and closes the decompressor. It
// returns the findings and errors of reading, and whether the member really
// is encrypted; sp is nil when the member could not be opened.
func decompress(ctx context.Context, e *Entry, opts ScanOptions, w *safeio.Work) (sp *safeio.Spooled, out []scanners.Finding, errs []error, enc bool) {
	er, err := e.Open()
	if err != nil {
		if e.Encrypted() {
			return nil, nil, nil, true
		}
		return nil, nil, []error{scanners.Errorf("zip", e.DataOffset, "opening entry %q: %v", e.Name, err)}, false
	}
	defer er.Close()
	budget := w.Remaining()
	sp, rerr := safeio.Spool(ctx, w.Reader(er), safeio.SpoolLimits{MaxMemory: opts.MaxMemory, MaxSize: min(opts.MaxMember, budget), Dir: opts.TempDir})
	w.Add(sp.Size())
	out = er.Findings()
	switch {
	case rerr == nil || errors.Is(rerr, ErrChecksum):
	case errors.Is(rerr, safeio.ErrWorkLimit):
		fd, ferr := boundHit(e.DataOffset, fmt.Errorf("entry %q: %w", e.Name, rerr))
		if w.FirstHit() {
			out = append(out, fd)
		}
		errs = append(errs, ferr)
	case errors.Is(rerr, safeio.ErrDictTooLarge):
		out = append(out, scanners.Finding{Rule: RuleDictTooLarge, Severity: scanners.Medium, Offset: e.DataOffset,
			ATLAS: scanners.ATLASSupplyChainModel, Message: fmt.Sprintf(
				"entry %q: decoding stopped after %d bytes: %v; the rest was not scanned", e.Name, sp.Size(), rerr)})
		errs = append(errs, scanners.MemberErrorf(e.Name, "zip", sp.Size(), "decompressing: %v", rerr))
	case errors.Is(rerr, safeio.ErrTooLarge) && budget < opts.MaxMember:
		if w.FirstHit() {
			fd, ferr := boundHit(e.DataOffset, fmt.Errorf("entry %q: %w", e.Name, w.BytesErr()))
			out, errs = append(out, fd), append(errs, ferr)
		}
	case errors.Is(rerr, safeio.ErrTooLarge) || errors.Is(rerr, safeio.ErrBomb):
		out = append(out, scanners.Finding{Rule: RuleBomb, Severity: scanners.High, Offset: e.DataOffset,
			ATLAS: scanners.ATLASSupplyChainModel, Message: fmt.Sprintf(
				"entry %q: decompression stopped after %d bytes (%d compressed): %v; the rest was not scanned",
				e.Name, sp.Size(), er.Consumed(), rerr)})
	case ctx.Err() != nil:
		errs = append(errs, rerr)
	default:
		errs = append(errs, scanners.MemberErrorf(e.Name, "zip", sp.Size(),
			"decompressing (compressed offset %d in the archive): %v", e.DataOffset+er.Consumed(), rerr))
	}
	// Ciphertext does not inflate to the declared size: a member flagged
	// as encrypted that does not is encrypted, and the errors and size
	// findings are side effects of that.
	enc = e.Encrypted() && ctx.Err() == nil && !errors.Is(rerr, safeio.ErrTooLarge) && !errors.Is(rerr, safeio.ErrBomb) &&
		!errors.Is(rerr, safeio.ErrWorkLimit) &&
		(rerr != nil && !errors.Is(rerr, ErrChecksum) || er.Out() != int64(e.UncompressedSize)) //nolint:gosec // a size compared
	if enc {
		out, errs = nil, nil
	}
	return sp, out, errs, enc
}

// Scanner finds zip archives by content, opens each once, refines it into
// one of its layouts and scans its members.
type Scanner struct {
	lim     Limits
	opts    ScanOptions
	layouts []Layout
}

// Option configures a Scanner.
type Option func(*Scanner)

// WithLimits sets the parsing limits.
func WithLimits(l Limits) Option { return func(s *Scanner) { s.lim = l } }

// WithScanOptions sets how members are read.
func WithScanOptions(o ScanOptions) Option { return func(s *Scanner) { s.opts = o } }

// New returns a zip Scanner with DefaultLimits and DefaultScanOptions.
func New(opts ...Option) *Scanner {
	s := &Scanner{lim: DefaultLimits(), opts: DefaultScanOptions()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Name is "zip".
func (s *Scanner) Name() string { return "zip" }

// Match reports a local file header at offset 0 or an end of central
// directory record at the end (archives with prepended data).
func (s *Scanner) Match(f scanners.File, head []byte) bool { return Sniff(f.R, f.Size, head) }

// Scan parses f as a zip archive and scans its members.
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	a, err := Open(f.R, f.Size, s.lim)
	if err != nil {
		var fe *scanners.FormatError
		if errors.As(err, &fe) {
			return scanners.Result{}, fe
		}
		return scanners.Result{}, scanners.Errorf("zip", -1, "%v", err)
	}
	for _, l := range s.layouts {
		if l.Is(a) {
			res, err := l.ScanArchive(ctx, f, a)
			if res.Format == "" {
				res.Format = l.Name()
			}
			return res, err
		}
	}
	fs, err := ScanArchive(ctx, f, a, s.opts)
	return scanners.Result{Findings: fs}, err
}

// Layout is a format built on zip (a PyTorch checkpoint, an .npz, a .keras
// model). The zip scanner opens an archive once and asks its layouts, in
// order, whether the archive is one of theirs; the first that is scans it,
// and its name is the file's format. Other archives are scanned as zip.
type Layout interface {
	// Name is the format of archives in this layout ("pytorch").
	Name() string
	// Is reports whether a is in this layout, from its central directory.
	Is(a *Archive) bool
	// ScanArchive scans f, already opened as a. A Result with an empty
	// Format is reported as Name.
	ScanArchive(ctx context.Context, f scanners.File, a *Archive) (scanners.Result, error)
}

// WithLayouts sets the layouts the scanner refines archives into.
func WithLayouts(l ...Layout) Option { return func(s *Scanner) { s.layouts = l } }
