// Package scanners defines what every model-format scanner shares: the
// Scanner interface, the File it reads, the Findings it reports and the
// verdicts those findings add up to. The format packages live below it
// (scanners/pickle, scanners/safetensors, ...); the explicit list of them and
// the runner that walks paths live in scanners/runner.
package scanners

import (
	"context"
	"io"
)

// File is one byte stream to scan: a file on disk or a member of an archive.
type File struct {
	// Path is the path reported to the user: relative to the scanned
	// directory, with / separators.
	Path string
	// Member names the stream inside Path when it is an archive member;
	// nested archives are joined with "!" ("inner.zip!archive/data.pkl").
	// Empty for the file itself.
	Member string
	// Size is the number of bytes readable from R.
	Size int64
	// R reads the content. Scanners must not read past Size.
	R io.ReaderAt
	// Depth counts the archives this stream is nested in.
	Depth int
	// Nested scans streams found inside this one (archive members,
	// decompressed payloads). Container scanners call it; it is never nil
	// when the runner calls a scanner.
	Nested Nester
}

// Nester scans a stream found inside another one with the full set of
// scanners. The returned findings carry Member set; the error, if not nil,
// joins the FormatErrors of the member.
type Nester interface {
	ScanNested(ctx context.Context, f File) (format string, findings []Finding, err error)
}

// Loc returns Path, or Path!Member when the stream is an archive member.
func (f File) Loc() string {
	if f.Member == "" {
		return f.Path
	}
	return f.Path + "!" + f.Member
}

// Child returns the File for a stream named name found inside f.
func (f File) Child(name string, r io.ReaderAt, size int64) File {
	m := name
	if f.Member != "" {
		m = f.Member + "!" + name
	}
	return File{Path: f.Path, Member: m, Size: size, R: r, Depth: f.Depth + 1, Nested: f.Nested}
}

// Scanner recognises one format by content and reports what in it is unsafe.
type Scanner interface {
	// Name is the format name used in reports ("pickle", "pytorch", ...).
	Name() string
	// Match reports whether f is in this format. head holds the first bytes
	// of f (up to HeadSize). Match decides by content, never by name.
	Match(f File, head []byte) bool
	// Scan reports the findings in f. A non-nil error means (part of) f could
	// not be parsed; it wraps one or more *FormatError. Findings made before
	// the error are still returned: an unpickler has already acted on them.
	Scan(ctx context.Context, f File) ([]Finding, error)
}

// A Describer is a Scanner that also returns what it parsed — a header,
// a graph — so that callers needing that metadata (aibom generate) do not
// read the file again. Scan must return the same findings and error.
type Describer interface {
	ScanDescribe(ctx context.Context, f File) (meta any, findings []Finding, err error)
}

// HeadSize is how many leading bytes the runner reads for Match.
const HeadSize = 4096

// Refiner is implemented by scanners that learn the precise format only
// while scanning (a pickle that turns out to be a joblib file). The runner
// calls ScanFormat instead of Scan when a scanner implements it.
type Refiner interface {
	ScanFormat(ctx context.Context, f File) (format string, findings []Finding, err error)
}
