package keras

import (
	"context"
	"errors"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/zip"
)

// Scanner finds Keras models by content and reports the code their configs
// make Keras run.
type Scanner struct {
	lim  Limits
	opts zip.ScanOptions
}

// Option configures a Scanner.
type Option func(*Scanner)

// WithLimits sets the limits passed to Parse.
func WithLimits(lim Limits) Option { return func(s *Scanner) { s.lim = lim.withDefaults() } }

// WithScanOptions sets how the members of a .keras archive are read.
func WithScanOptions(o zip.ScanOptions) Option { return func(s *Scanner) { s.opts = o } }

// New returns a Scanner with DefaultLimits, changed by opts.
func New(opts ...Option) *Scanner {
	s := &Scanner{lim: DefaultLimits(), opts: zip.DefaultScanOptions()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Name returns "keras".
func (s *Scanner) Name() string { return format }

// Match reports an HDF5 file (the signature at 0 or after a user block).
// A .keras archive is a zip: the zip scanner refines it through Is.
func (s *Scanner) Match(f scanners.File, head []byte) bool {
	_, ok := findHDF5(f.R, f.Size, head, s.lim.MaxUserBlock)
	return ok
}

// Is implements zip.Layout: the central directory holds config.json and
// metadata.json or model.weights.h5 (a .keras archive).
func (s *Scanner) Is(a *zip.Archive) bool { return isKeras(a) }

// ScanArchive implements zip.Layout: the model config of the .keras
// archive a, and its members handed to f.Nested.
func (s *Scanner) ScanArchive(ctx context.Context, f scanners.File, a *zip.Archive) (scanners.Result, error) {
	m, perr := parseArchive(a, s.lim)
	zfs, zerr := zip.ScanArchive(ctx, f, a, s.opts)
	m.Findings = append(m.Findings, zfs...)
	if err := errors.Join(perr, zerr); err != nil {
		return scanners.Result{Format: format, Findings: m.Findings}, err
	}
	return scanners.Result{Format: format, Meta: m, Findings: m.Findings}, nil
}

// isKeras reports whether a's central directory names the members of a
// .keras archive.
func isKeras(a *zip.Archive) bool {
	var config, other bool
	for i := range a.Entries {
		switch a.Entries[i].Name {
		case configName:
			config = true
		case metadataName, weightsName:
			other = true
		}
	}
	return config && other
}

// Scan analyzes the model config of f. The members of a .keras archive are
// also handed to f.Nested, so that a pickle or other payload among them is
// found whatever its name.
// The Result's Meta is the parsed metadata (nil when f could not be parsed).
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	if err := ctx.Err(); err != nil {
		return scanners.Result{}, err
	}
	m, err := s.Inspect(ctx, f)
	var fs []scanners.Finding
	if m != nil {
		fs = m.Findings
	}
	if err != nil || m == nil {
		return scanners.Result{Findings: fs}, err
	}
	return scanners.Result{Meta: m, Findings: fs}, nil
}

// Inspect is Scan returning the Model too (nil when f could not be read
// at all). Findings and errors carry Member relative to f.
func (s *Scanner) Inspect(ctx context.Context, f scanners.File) (*Model, error) {
	head, err := safeio.ReadAt(f.R, f.Size, 0, min(f.Size, scanners.HeadSize), scanners.HeadSize)
	if err != nil {
		return nil, scanners.Errorf(format, 0, "reading: %v", err)
	}
	if !zip.Sniff(f.R, f.Size, head) {
		return Parse(f.R, f.Size, s.lim)
	}
	a, err := zip.Open(f.R, f.Size, s.lim.Zip)
	if err != nil {
		return nil, asFormatError(err, "")
	}
	m, perr := parseArchive(a, s.lim)
	zfs, zerr := zip.ScanArchive(ctx, f, a, s.opts)
	m.Findings = append(m.Findings, zfs...)
	return m, errors.Join(perr, zerr)
}
