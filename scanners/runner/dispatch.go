package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/seed-43c89ce6/aibom/scanners"
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
	if out.Format == "unknown" && res.Verdict == scanners.Clean {
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
// The plan (which scanners run) and the combination are separate steps, so
// that a rule such as "every stream whose byte 0 an unpickler accepts is
// also walked as a pickle" is a change to plan alone.
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
			break
		}
	}
	if !found {
		out.Format = "unknown"
	}
	return out, outErr
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
