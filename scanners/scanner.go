// Package scanners defines what every model-format scanner shares: the
// Scanner interface, the File it reads, the Findings it reports and the
// verdicts those findings add up to. The format packages live below it
// (scanners/pickle, scanners/safetensors, ...); the explicit list of them and
// the runner that walks paths live in scanners/runner.
package scanners

import (
	"context"
	"errors"
	"io"
)

// File is one byte stream to scan: a file on disk or a member of an archive.
type File struct {
	// Path is the path reported to the user: relative to the scanned
	// directory, with / separators.
	Path string
	// Member names the stream inside Path when it is an archive member;
	// nested archives are joined with "!" ("inner.zip!archive/data.pkl").
	// Empty for the file itself. For messages only: a scanner reports
	// findings and errors relative to the stream it scans (see Nester).
	Member string
	// Name is the stream's name inside the stream that holds it (the last
	// element of Member); empty for the file itself.
	Name string
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

// MaxDepth is how many archives deep streams are scanned: a stream nested
// deeper is not opened. The one limit on nesting, for every container.
const MaxDepth = 8

// TooDeep reports whether f is nested more than MaxDepth archives deep.
func (f File) TooDeep() bool { return f.Depth > MaxDepth }

// MembersTooDeep reports whether the streams inside f would be TooDeep: a
// container scanner then reports that instead of opening them.
func (f File) MembersTooDeep() bool { return File{Depth: f.Depth + 1}.TooDeep() }

// Nester scans a stream found inside another one (f, made with Child) with
// the full set of scanners and returns their combined Result.
//
// The nester owns nesting: it refuses a stream that is TooDeep, and it
// labels the findings and FormatErrors of the stream with f.Name, so that
// they come back relative to the stream that holds f. A scanner therefore
// reports offsets in the stream it scans and never sets Member itself,
// except for names it finds inside its own stream (a container reporting
// on one of its members names that member, relative to itself).
type Nester interface {
	ScanNested(ctx context.Context, f File) (Result, error)
}

// Loc returns Path, or Path!Member when the stream is an archive member.
func (f File) Loc() string {
	if f.Member == "" {
		return f.Path
	}
	return f.Path + "!" + f.Member
}

// Child returns the File for a stream named name found inside f: the one
// place member names are joined.
func (f File) Child(name string, r io.ReaderAt, size int64) File {
	return File{Path: f.Path, Member: JoinMember(f.Member, name), Name: name, Size: size, R: r, Depth: f.Depth + 1, Nested: f.Nested}
}

// JoinMember joins a member name found inside the stream named outer
// ("" for the file) to outer's own.
func JoinMember(outer, inner string) string {
	switch {
	case inner == "":
		return outer
	case outer == "":
		return inner
	}
	return outer + "!" + inner
}

// Nest labels the Result and error of scanning the stream named name (as
// a Nester does): each finding's and FormatError's Member, relative to the
// stream, becomes relative to the stream that holds it. Errors that are not
// FormatErrors (a cancelled context) are returned as they are.
func Nest(name string, res Result, err error) (Result, error) {
	if name == "" {
		return res, err
	}
	if len(res.Findings) > 0 {
		fs := make([]Finding, len(res.Findings))
		for i, fd := range res.Findings {
			fd.Member = JoinMember(name, fd.Member)
			fs[i] = fd
		}
		res.Findings = fs
	}
	return res, nestErr(name, err)
}

func nestErr(name string, err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var errs []error
		for _, e := range j.Unwrap() {
			errs = append(errs, nestErr(name, e))
		}
		return errors.Join(errs...)
	}
	var fe *FormatError
	if !errors.As(err, &fe) {
		return err
	}
	c := *fe
	c.Member = JoinMember(name, c.Member)
	return &c
}

// Result is what one scanner found in one stream.
type Result struct {
	// Format is the precise format, when the scanner learns it while
	// scanning (a pickle that turns out to be a joblib file, a zip that is
	// a PyTorch checkpoint); empty means the scanner's Name.
	Format string
	// Findings are what is unsafe or noteworthy in the stream.
	Findings []Finding
	// Meta is what the scanner parsed that describes the stream (a header,
	// a graph), so that aibom generate does not read it again; nil when
	// the format has none or the stream could not be parsed.
	Meta Meta
}

// Scanner recognises one format by content and reports what in it is unsafe.
type Scanner interface {
	// Name is the format name used in reports ("pickle", "pytorch", ...).
	Name() string
	// Match reports whether f may be in this format, from head alone: the
	// first bytes of f (up to HeadSize). Match decides by content, never by
	// name, and reads nothing else (at most a bounded probe, such as a zip's
	// end record); a format that needs more decides in Scan.
	Match(f File, head []byte) bool
	// Scan reports what is in f. A non-nil error means (part of) f could
	// not be parsed; it wraps one or more *FormatError. The Result made
	// before the error is still returned: an unpickler has already acted on
	// its findings. Scan returns ErrNotMatched when, having looked at more
	// than the head, it finds that f is not in its format after all (a
	// JSON file without a chat template): the next scanner is then tried.
	Scan(ctx context.Context, f File) (Result, error)
}

// ErrNotMatched is returned by a Scan that declines a stream its Match
// accepted. It is not a parse error.
var ErrNotMatched = errors.New("scanners: not in this format")

// HeadSize is how many leading bytes the runner reads for Match.
const HeadSize = 4096

// Merge combines the results of several scanners for one stream (a
// polyglot is walked as every format it matches): the findings of both,
// without duplicates, r's format and metadata, else o's. Because verdicts
// are computed from findings, the worse verdict of the two wins.
func (r Result) Merge(o Result) Result {
	out := Result{Format: r.Format, Meta: r.Meta, Findings: appendNew(append([]Finding(nil), r.Findings...), o.Findings)}
	if out.Format == "" {
		out.Format = o.Format
	}
	if out.Meta == nil {
		out.Meta = o.Meta
	}
	return out
}

// appendNew appends the findings of fs that are not already in have (a
// second scanner looking at the same archive reports the same members).
func appendNew(have, fs []Finding) []Finding {
	seen := make(map[Finding]bool, len(have))
	for _, f := range have {
		seen[f] = true
	}
	for _, f := range fs {
		if !seen[f] {
			seen[f] = true
			have = append(have, f)
		}
	}
	return have
}

// FindingsResult is the Result holding findings, with err: for scanners
// whose parser reports findings only.
func FindingsResult(fs []Finding, err error) (Result, error) { return Result{Findings: fs}, err }

// FindingsOf returns the findings of a Scan and its error, for callers
// (tests, mostly) that want only those.
func FindingsOf(r Result, err error) ([]Finding, error) { return r.Findings, err }
