package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
	"github.com/seed-43c89ce6/aibom/scanners/pytorch"
)

// scanReader scans res.Size bytes of r and, unless hashing is off, hashes
// them in the same pass (see hashingReader).
func (r *Runner) scanReader(ctx context.Context, res *scanners.FileResult, r0 io.ReaderAt) (read int64) {
	hr := newHashingReader(r0, res.Size, r.hash)
	f := scanners.File{Path: res.Path, Size: res.Size, R: hr, Nested: r}
	out, err := r.dispatch(ctx, f)
	res.Format = out.Format
	res.Findings = append(res.Findings, out.Findings...)
	res.Metadata = out.Meta
	res.Errors = append(res.Errors, scanners.FormatErrors(err)...)
	sum, herr := hr.finish()
	if herr != nil {
		res.Errors = append(res.Errors, &scanners.FormatError{Format: "io", Offset: hr.hashed,
			Msg: fmt.Sprintf("reading %s: %v", res.Path, herr)})
		err = errors.Join(err, herr)
	}
	res.SHA256 = sum
	read = hr.read
	res.Verdict = scanners.VerdictOf(out.Findings, err)
	if (out.Format == "unknown" || KindOf(out.Format) == scanners.Pointer) && res.Verdict == scanners.Clean {
		res.Verdict = scanners.Unscanned
	}
	return read
}

// ScanNested implements scanners.Nester: it refuses a stream nested too
// deep, scans the others with the full scanner set and labels what they
// hold with the stream's name.
func (r *Runner) ScanNested(ctx context.Context, f scanners.File) (scanners.Result, error) {
	if f.TooDeep() {
		return scanners.Nest(f.Name, scanners.Result{Format: "unknown"},
			scanners.Errorf("archive", 0, "archives nested more than %d deep", scanners.MaxDepth))
	}
	f.Nested = r
	res, err := r.dispatch(ctx, f)
	return scanners.Nest(f.Name, res, err)
}

// dispatch reads f's head and runs the scanners that match it, in the
// order of the list, combining their Results (scanners.Result.Merge: the
// findings of all, so the worse verdict wins). The first matching scanner
// gives the format, the metadata and the error. A scanner that parses f
// without error ends the list; one that fails hands f on to the next that
// matches: a polyglot that is invalid as one format may load as another.
//
// Whatever parsed f, a stream whose bytes from offset 0 an unpickler
// accepts is also walked as a pickle (alsoPickle): issue 9's polyglots.
func (r *Runner) dispatch(ctx context.Context, f scanners.File) (scanners.Result, error) {
	if err := ctx.Err(); err != nil {
		return scanners.Result{Format: "unknown"}, err
	}
	head := make([]byte, min(f.Size, scanners.HeadSize))
	if n, err := f.R.ReadAt(head, 0); err != nil && (!errors.Is(err, io.EOF) || n != len(head)) {
		return scanners.Result{Format: "unknown"}, scanners.Errorf("io", 0, "reading: %v", err)
	}
	var (
		out    scanners.Result
		outErr error
		found  bool
		// parsed: a scanner parsed f, so the ones after it (pickle, the
		// last) were not asked.
		parsed   bool
		parsedBy scanners.Scanner
	)
	for s := range r.plan(f, head) {
		res, err := runScanner(ctx, s, f)
		if errors.Is(err, scanners.ErrNotMatched) {
			continue
		}
		if !found {
			out, outErr, found = res, err, true
		} else {
			out = out.Merge(res)
		}
		if err == nil {
			parsed, parsedBy = s.Name() != "pickle", s
			break
		}
	}
	if !found {
		out.Format = "unknown"
	}
	if outErr == nil {
		outErr = claimError(f, out.Format) // a name that claims a format the content lacks (claims.go)
	}
	if parsed && !walksPickleAtZero(parsedBy) {
		out = r.alsoPickle(ctx, f, out)
	}
	return out, outErr
}

// alsoPickle walks f as a pickle when an unpickler would accept its bytes
// from offset 0 (pickle.Probe), whatever else f is: a polyglot (a tar whose
// first member name is a pickle, a safetensors header whose length byte is
// an opcode, a pickle in an HDF5 user block) must not be "clean" because
// another format parsed it first. The findings of the walk are merged into
// out (without duplicates; verdicts come from findings, so the worse one
// wins) with one POLYGLOT-PICKLE finding saying why; its parse errors are
// not: the file is first of all the format that parsed it, and a pickle
// walk that stops after its payload has already done its harm.
//
// dispatch calls it only when a scanner parsed f: otherwise every matching
// scanner, the pickle scanner (whose Match is Probe) last, was tried.
func (r *Runner) alsoPickle(ctx context.Context, f scanners.File, out scanners.Result) scanners.Result {
	pk := r.pickle()
	if pk == nil || ctx.Err() != nil || !pickle.Probe(f.R, f.Size) {
		return out
	}
	res, _ := runScanner(ctx, pk, f)
	// A zip's prepended bytes were already walked as the member
	// "<prepended>", which starts at byte 0: the same findings.
	prepended := map[scanners.Finding]bool{}
	for _, fd := range out.Findings {
		if fd.Member == prependedMember {
			fd.Member = ""
			prepended[fd] = true
		}
	}
	fs := make([]scanners.Finding, 0, len(res.Findings)+1)
	for _, fd := range res.Findings {
		if !prepended[fd] {
			fs = append(fs, fd)
		}
	}
	if len(prepended) == 0 {
		fs = append(fs, scanners.Finding{Rule: RulePolyglot, Severity: scanners.Info,
			Message: fmt.Sprintf("this %s file is also a pickle from byte 0: an unpickler (pickle.load, torch.load, joblib.load) would run it", out.Format),
			ATLAS:   scanners.ATLASEmbedMalware})
	}
	return out.Merge(scanners.Result{Findings: fs})
}

// prependedMember is the member name the zip scanner gives the bytes
// before an archive's first structure.
const prependedMember = "<prepended>"

// walksPickleAtZero reports whether s, having parsed a stream, has already
// walked it as a pickle from byte 0: a legacy PyTorch file is a sequence
// of pickles.
func walksPickleAtZero(s scanners.Scanner) bool {
	_, ok := s.(*pytorch.Legacy)
	return ok
}

// RulePolyglot is the rule of the finding that a stream which parsed as
// one format is also a pickle from byte 0 (see alsoPickle).
const RulePolyglot = "POLYGLOT-PICKLE"

// pickle returns the Runner's pickle scanner, nil when its list has none.
func (r *Runner) pickle() scanners.Scanner {
	for _, s := range r.scanners {
		if s.Name() == "pickle" {
			return s
		}
	}
	return nil
}

// plan yields the scanners whose Match accepts f, in the list's order,
// lazily: a scanner after the one that parsed f is not even asked.
func (r *Runner) plan(f scanners.File, head []byte) iter.Seq[scanners.Scanner] {
	return func(yield func(scanners.Scanner) bool) {
		for _, s := range r.scanners {
			if safeMatch(s, f, head) && !yield(s) {
				return
			}
		}
	}
}

func safeMatch(s scanners.Scanner, f scanners.File, head []byte) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = false
		}
	}()
	return s.Match(f, head)
}

// runScanner runs s on f, turning a panic into a FormatError. The Result's
// format is s's name unless s refined it.
func runScanner(ctx context.Context, s scanners.Scanner, f scanners.File) (res scanners.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errors.Join(err, scanners.Errorf(s.Name(), -1, "scanner panicked: %v", p))
		}
		if res.Format == "" {
			res.Format = s.Name()
		}
	}()
	return s.Scan(ctx, f)
}
