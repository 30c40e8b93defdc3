// Package pickle scans Python pickles without executing them: a complete
// opcode walker (protocols 0-5) models the stack and memo to resolve every
// callable an unpickler would import or call, and a policy of allowed and
// dangerous names turns them into findings.
package pickle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// Rule IDs reported by this package.
const (
	RuleDangerous   = "PICKLE-DANGEROUS-GLOBAL"
	RuleResolved    = "PICKLE-RESOLVED-CALLABLE"
	RuleUnknown     = "PICKLE-UNKNOWN-GLOBAL"
	RuleDynamic     = "PICKLE-UNRESOLVED-GLOBAL"
	RuleBuildGlobal = "PICKLE-BUILD-ON-GLOBAL"
	RuleExtension   = "PICKLE-EXTENSION-CODE"
	RuleTooMany     = "PICKLE-TOO-MANY-GLOBALS"
	RuleTrailing    = "PICKLE-TRAILING-DATA"
	RuleLimits      = "PICKLE-MODEL-LIMITS"
	// RuleStraddle: an opcode crosses a FRAME's end, so loaders disagree
	// on what the stream holds (frame.go).
	RuleStraddle = "PICKLE-FRAME-STRADDLE"
	// RuleNested: a pickle stored as a bytes value that the stream does
	// not load (nested.go).
	RuleNested = "PICKLE-NESTED-PICKLE"
)

// Scanner scans pickle streams.
type Scanner struct {
	pol *Policy
	lim Limits
}

// Option configures a Scanner.
type Option func(*Scanner)

// WithPolicy sets the policy that classifies callables.
func WithPolicy(p *Policy) Option { return func(s *Scanner) { s.pol = p } }

// WithLimits sets the walker's limits; zero fields keep their defaults.
func WithLimits(l Limits) Option { return func(s *Scanner) { s.lim = l } }

// New returns a pickle Scanner with the default policy and limits.
func New(opts ...Option) *Scanner {
	s := &Scanner{pol: DefaultPolicy(), lim: DefaultLimits()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Name implements scanners.Scanner.
func (s *Scanner) Name() string { return "pickle" }

// Match reports whether f is a pickle: see Probe. It decides by trying:
// the stream is walked from byte 0 (not just head) for as long as it stays
// a valid pickle.
func (s *Scanner) Match(f scanners.File, head []byte) bool {
	if f.R == nil || int64(len(head)) == f.Size {
		return Sniff(head, true)
	}
	return Probe(f.R, f.Size)
}

// Scan implements scanners.Scanner: a pickle that holds joblib's array
// wrappers is reported as format "joblib".
func (s *Scanner) Scan(ctx context.Context, f scanners.File) (scanners.Result, error) {
	res := s.Walk(ctxSection{io.NewSectionReader(f.R, 0, f.Size), ctx}, 0)
	if err := ctx.Err(); err != nil {
		// Cancelled (SIGINT, a deadline): the walk stopped at a read and
		// its result says nothing about the rest of the stream.
		return scanners.Result{}, fmt.Errorf("pickle: %s: %w", f.Path, err)
	}
	fs, err := s.Report(res)
	format := "pickle"
	for _, r := range res.Refs {
		if strings.HasPrefix(r.Name, "joblib.") {
			format = "joblib"
		}
	}
	return scanners.Result{Format: format, Findings: fs}, err
}

// NewStream returns a Stream over r (first byte at offset base) with the
// scanner's limits, which records dangerous names even past MaxRefs.
func (s *Scanner) NewStream(r io.Reader, base int64) *Stream {
	st := NewStream(r, base, s.lim)
	st.important = func(name string) bool {
		c, _ := s.pol.Classify(name)
		return c == Dangerous
	}
	return st
}

// Walk walks every pickle in r as the package's Walk does, with the
// scanner's limits and policy.
func (s *Scanner) Walk(r io.Reader, base int64) *Result {
	st := s.NewStream(r, base)
	st.WalkRest()
	return st.Result()
}

// Report turns a walk's result into findings and a joined FormatError.
func (s *Scanner) Report(res *Result) ([]scanners.Finding, error) {
	fs := make([]scanners.Finding, 0, 4)
	add := func(rule string, sev scanners.Severity, global string, off int64, atlas, msg string) {
		fs = append(fs, scanners.Finding{Rule: rule, Severity: sev, Message: msg, Global: global,
			Offset: off, ATLAS: atlas})
	}
	allowed := func(n string) bool { c, _ := s.pol.Classify(n); return c == Allowed }
	for _, r := range res.Refs {
		if r.Kind == RefImport && r.Via == "" && isResolver(r.Name) && res.Settled(r.Name, allowed) {
			// Every use was resolved: what it reached is reported instead.
			continue
		}
		note := ""
		if r.Nested != 0 {
			loaded, by := res.nestedLoaded(r.Nested, allowed)
			if !loaded {
				s.nestedFinding(r, res.nestedAt(r.Nested), add)
				continue
			}
			note = fmt.Sprintf(", in the pickle stored as bytes at offset %d, which %s loads", res.nestedAt(r.Nested), by)
		}
		s.refFinding(r, note, add)
	}
	s.straddleFindings(res, add)
	if res.RefsDropped > 0 {
		add(RuleTooMany, scanners.High, "", 0, scanners.ATLASUnsafeArtifact,
			fmt.Sprintf("more than %d distinct callables: %d were not checked", len(res.Refs), res.RefsDropped))
	}
	if res.Trailing > 0 {
		add(RuleTrailing, scanners.Info, "", res.TrailingOffset, scanners.ATLASEmbedMalware,
			fmt.Sprintf("%d bytes after the last pickle are not a pickle", res.Trailing))
	}
	if res.Lossy {
		add(RuleLimits, scanners.Info, "", 0, scanners.ATLASUnsafeArtifact,
			"the stream exceeded the walker's modelling limits; names it could no longer resolve are reported as unresolved")
	}
	var errs []error
	for _, e := range res.Errors {
		msg := e.Msg
		if e.Op != "" {
			msg = e.Op + ": " + msg
		}
		errs = append(errs, &scanners.FormatError{Format: "pickle", Offset: e.Offset, Msg: msg})
	}
	return fs, errors.Join(errs...)
}

type addFunc func(rule string, sev scanners.Severity, global string, off int64, atlas, msg string)

func (s *Scanner) refFinding(r Ref, note string, add addFunc) {
	times := note
	if r.Count > 1 {
		times = fmt.Sprintf(" (%d times)%s", r.Count, note)
	}
	switch r.Kind {
	case RefDynamic:
		add(RuleDynamic, scanners.High, "", r.Offset, scanners.ATLASUnsafeArtifact,
			"STACK_GLOBAL imports a callable whose name is computed at load time: "+r.Name+times)
		return
	case RefExtension:
		add(RuleExtension, scanners.High, "", r.Offset, scanners.ATLASUnsafeArtifact,
			r.Op+" imports the callable registered as "+r.Name+times)
		return
	case RefBuildGlobal:
		cls, hit := s.pol.Classify(r.Name)
		sev := scanners.High
		if cls == Dangerous {
			sev = scanners.Critical
			r.Name = hit
		}
		add(RuleBuildGlobal, sev, r.Name, r.Offset, scanners.ATLASEmbedMalware,
			"BUILD sets attributes of the module or class "+r.Name+times)
		return
	case RefImport:
	}
	cls, hit := s.pol.Classify(r.Name)
	switch {
	case cls == Dangerous && r.Via != "":
		msg := fmt.Sprintf("%s reaches %s at load time%s", r.Via, r.Name, times)
		if hit != r.Name {
			msg = fmt.Sprintf("%s reaches %s, an attribute walk to %s, at load time%s", r.Via, r.Name, hit, times)
		}
		add(RuleResolved, scanners.Critical, hit, r.Offset, scanners.ATLASUnsafeArtifact, msg)
	case cls == Dangerous:
		msg := fmt.Sprintf("%s imports %s, which can run code%s", r.Op, r.Name, times)
		if hit != r.Name {
			msg = fmt.Sprintf("%s imports %s, an attribute walk to %s%s", r.Op, r.Name, hit, times)
		}
		add(RuleDangerous, scanners.Critical, hit, r.Offset, scanners.ATLASUnsafeArtifact, msg)
	case cls == Unknown:
		add(RuleUnknown, scanners.Medium, r.Name, r.Offset, scanners.ATLASUnsafeArtifact,
			fmt.Sprintf("%s imports %s, which is not on the allowlist%s", r.Op, r.Name, times))
	}
}

// nestedFinding reports a reference of a nested pickle that the stream
// does not load: a dangerous name is suspicious (whatever loads the bytes
// later runs it), an unknown one is noted, an allowed one is not reported.
func (s *Scanner) nestedFinding(r Ref, at int64, add addFunc) {
	cls, hit := s.pol.Classify(r.Name)
	where := fmt.Sprintf("a pickle stored as bytes at offset %d, which this pickle does not load,", at)
	switch {
	case r.Kind != RefImport:
		add(RuleNested, scanners.Medium, "", r.Offset, scanners.ATLASEmbedMalware,
			fmt.Sprintf("%s makes a reference the scanner cannot name: %s", where, r.Name))
	case cls == Dangerous:
		add(RuleNested, scanners.Medium, hit, r.Offset, scanners.ATLASEmbedMalware,
			fmt.Sprintf("%s imports %s, which can run code when something loads it", where, r.Name))
	case cls == Unknown:
		add(RuleNested, scanners.Low, r.Name, r.Offset, scanners.ATLASEmbedMalware,
			fmt.Sprintf("%s imports %s, which is not on the allowlist", where, r.Name))
	}
}

// straddleFindings reports the opcodes that cross a FRAME's end.
func (s *Scanner) straddleFindings(res *Result, add addFunc) {
	for _, st := range res.Straddles {
		add(RuleStraddle, scanners.High, "", st.Offset, scanners.ATLASUnsafeArtifact,
			fmt.Sprintf("%s reads past the end of the FRAME ending at offset %d: CPython's C unpickler reading a file "+
				"skips the rest of the frame and reads on after it, pickle.loads reads straight on; no pickler "+
				"writes this, and both readings were walked", st.Op, st.FrameEnd))
	}
	if res.StraddlesUnwalked > 0 {
		add(RuleStraddle, scanners.High, "", 0, scanners.ATLASUnsafeArtifact,
			fmt.Sprintf("%d opcodes read past the end of a FRAME and the C unpickler's reading of what follows "+
				"was not walked (branch budget or a stream that cannot be read again): what it imports is unknown",
				res.StraddlesUnwalked))
	}
}

// ctxSection is a SectionReader whose reads fail once ctx is done, so that a
// walk of a long stream (a DUP bomb runs for seconds) stops when the scan is
// cancelled. It keeps Seek, ReadAt and Size, which the FRAME-straddle
// re-reading needs (sourceOf); the walker reads through a bufio.Reader, so
// ctx is checked once per buffer fill.
type ctxSection struct {
	*io.SectionReader
	ctx context.Context
}

func (c ctxSection) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.SectionReader.Read(p)
}

func (c ctxSection) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.SectionReader.ReadAt(p, off)
}
