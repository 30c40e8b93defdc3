// Package runner scans paths with the full set of format scanners: it walks
// directories, hashes files, sniffs each file's format by content, hands it
// to the scanner that matches, recurses into archives and turns a panicking
// scanner into an invalid result instead of a crash. Files are scanned on
// all cores.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// MaxDepth is how deeply archives are scanned inside archives.
const MaxDepth = 8

// Runner scans files with a list of scanners.
type Runner struct {
	scanners []scanners.Scanner
	workers  int
	hash     bool
	progress func(done, total int, path string)
}

// Option configures a Runner.
type Option func(*Runner)

// WithScanners replaces the scanner list (order matters: the first match wins).
func WithScanners(s ...scanners.Scanner) Option { return func(r *Runner) { r.scanners = s } }

// WithWorkers sets how many files are scanned at once (default: all cores).
func WithWorkers(n int) Option {
	return func(r *Runner) {
		if n > 0 {
			r.workers = n
		}
	}
}

// WithoutHash skips the SHA-256 of each file, so that only the bytes the
// scanners need are read. Results then have an empty SHA256.
func WithoutHash() Option { return func(r *Runner) { r.hash = false } }

// WithProgress calls fn after each file.
func WithProgress(fn func(done, total int, path string)) Option {
	return func(r *Runner) { r.progress = fn }
}

// New returns a Runner with the default scanners (Default()).
func New(opts ...Option) *Runner {
	r := &Runner{workers: runtime.GOMAXPROCS(0), hash: true}
	for _, o := range opts {
		o(r)
	}
	if r.scanners == nil {
		r.scanners = Default()
	}
	return r
}

// Target is one file to scan.
type Target struct {
	// Path is the path to open.
	Path string
	// Display is the path to report.
	Display string
}

// Scan scans every path (files and directories, recursively) and returns
// one Result per regular file, sorted by path. Errors that stop a path
// from being listed (a missing path) are returned; problems with single
// files are results with verdict invalid or unscanned.
func (r *Runner) Scan(ctx context.Context, paths ...string) (*scanners.Report, error) {
	var targets []Target
	for _, p := range paths {
		ts, err := list(p)
		if err != nil {
			return nil, err
		}
		targets = append(targets, ts...)
	}
	results, err := r.ScanTargets(ctx, targets)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Path < results[j].Path })
	rep := &scanners.Report{Files: results}
	rep.Summarize()
	return rep, nil
}

// ScanTargets scans the files on all cores (the Runner's workers) and
// returns their results in the order given, calling the progress function
// after each. It stops early, with the context's error, when ctx ends.
func (r *Runner) ScanTargets(ctx context.Context, targets []Target) ([]scanners.Result, error) {
	results := make([]scanners.Result, len(targets))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	next := make(chan int)
	for range min(r.workers, max(len(targets), 1)) {
		wg.Go(func() {
			for i := range next {
				results[i] = r.ScanFile(ctx, targets[i].Path, targets[i].Display)
				if r.progress != nil {
					mu.Lock()
					done++
					r.progress(done, len(targets), targets[i].Display)
					mu.Unlock()
				}
			}
		})
	}
	for i := range targets {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

// list returns the regular files under p. Symbolic links inside a
// directory are not followed (a link could point anywhere); they are
// reported as unscanned by ScanFile.
func list(p string) ([]Target, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []Target{{Path: p, Display: filepath.ToSlash(p)}}, nil
	}
	var out []Target
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == p {
				return err
			}
			out = append(out, Target{Path: path, Display: rel(p, path)})
			return nil
		}
		if d.IsDir() {
			return nil
		}
		out = append(out, Target{Path: path, Display: rel(p, path)})
		return nil
	})
	return out, err
}

func rel(root, path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

// ScanFile scans one file and reports it as disp.
func (r *Runner) ScanFile(ctx context.Context, path, disp string) scanners.Result {
	res := scanners.Result{Path: disp, Format: "unknown", Findings: []scanners.Finding{}}
	fail := func(v scanners.Verdict, err error) scanners.Result {
		res.Verdict = v
		res.Errors = append(res.Errors, &scanners.FormatError{Format: "io", Offset: -1, Msg: err.Error()})
		return res
	}
	lst, err := os.Lstat(path)
	if err != nil {
		return fail(scanners.Invalid, err)
	}
	if lst.Mode()&fs.ModeSymlink != 0 {
		// Loaders follow links to files (Hugging Face caches are made of
		// them), so scan the target; links to directories are not followed.
		if lst, err = os.Stat(path); err != nil {
			// Nothing can load it either: reported, but not a parse failure.
			return fail(scanners.Unscanned, fmt.Errorf("dangling symbolic link: %w", err))
		}
	}
	if !lst.Mode().IsRegular() {
		return fail(scanners.Unscanned, fmt.Errorf("not a regular file (%s)", lst.Mode().Type()))
	}
	fh, err := os.Open(path)
	if err != nil {
		return fail(scanners.Invalid, err)
	}
	defer fh.Close()
	res.Size = lst.Size()
	r.scanReader(ctx, &res, fh)
	return res
}

// scanReader scans res.Size bytes of r and, unless hashing is off, hashes
// them in the same pass (see hashingReader).
func (r *Runner) scanReader(ctx context.Context, res *scanners.Result, r0 io.ReaderAt) (read int64) {
	hr := newHashingReader(r0, res.Size, r.hash)
	f := scanners.File{Path: res.Path, Size: res.Size, R: hr, Nested: r}
	format, findings, err := r.dispatch(ctx, f, &res.Metadata)
	res.Format = format
	res.Findings = append(res.Findings, findings...)
	res.Errors = append(res.Errors, scanners.FormatErrors(err)...)
	sum, herr := hr.finish()
	if herr != nil {
		res.Errors = append(res.Errors, &scanners.FormatError{Format: "io", Offset: hr.hashed,
			Msg: fmt.Sprintf("reading %s: %v", res.Path, herr)})
		err = errors.Join(err, herr)
	}
	res.SHA256 = sum
	read = hr.read
	res.Verdict = scanners.VerdictOf(findings, err)
	if format == "unknown" && res.Verdict == scanners.Clean {
		res.Verdict = scanners.Unscanned
	}
	return read
}

// ScanNested implements scanners.Nester.
func (r *Runner) ScanNested(ctx context.Context, f scanners.File) (string, []scanners.Finding, error) {
	if f.Depth > MaxDepth {
		return "unknown", nil, scanners.Errorf(f, "archive", 0, "archives nested more than %d deep", MaxDepth)
	}
	f.Nested = r
	return r.dispatch(ctx, f, nil)
}

// dispatch sniffs f and runs the first scanner that matches it.
// dispatch runs the scanners that match f; meta, when not nil, receives
// what the first matching Describer parsed.
func (r *Runner) dispatch(ctx context.Context, f scanners.File, meta *any) (format string, findings []scanners.Finding, err error) {
	if err := ctx.Err(); err != nil {
		return "unknown", nil, err
	}
	head := make([]byte, min(f.Size, scanners.HeadSize))
	if n, err := f.R.ReadAt(head, 0); err != nil && (!errors.Is(err, io.EOF) || n != len(head)) {
		return "unknown", nil, scanners.Errorf(f, "io", 0, "reading: %v", err)
	}
	format = "unknown"
	for _, s := range r.scanners {
		if !safeMatch(s, f, head) {
			continue
		}
		fmtName, m, fs, serr := runScanner(ctx, s, f)
		findings = appendNew(findings, fs)
		if format == "unknown" {
			format, err = fmtName, serr
			if meta != nil {
				*meta = m
			}
		}
		if serr == nil {
			return format, findings, err
		}
		// The file is not valid as the first format that matched it. A
		// polyglot may still load as another (a pickle whose first bytes
		// look like a safetensors header): let the other matching scanners
		// look too and keep what they find.
	}
	return format, findings, err
}

// appendNew appends the findings of fs that are not already in have (a
// second scanner looking at the same archive reports the same members).
func appendNew(have, fs []scanners.Finding) []scanners.Finding {
	if len(have) == 0 {
		return append(have, fs...)
	}
	seen := make(map[scanners.Finding]bool, len(have))
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

func safeMatch(s scanners.Scanner, f scanners.File, head []byte) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = false
		}
	}()
	return s.Match(f, head)
}

// runScanner runs s on f, turning a panic into a FormatError.
func runScanner(ctx context.Context, s scanners.Scanner, f scanners.File) (format string, meta any, findings []scanners.Finding, err error) {
	format = s.Name()
	defer func() {
		if p := recover(); p != nil {
			err = errors.Join(err, scanners.Errorf(f, s.Name(), -1, "scanner panicked: %v", p))
		}
	}()
	if rf, ok := s.(scanners.Refiner); ok {
		format, findings, err = rf.ScanFormat(ctx, f)
		return format, nil, findings, err
	}
	if d, ok := s.(scanners.Describer); ok {
		meta, findings, err = d.ScanDescribe(ctx, f)
		return format, meta, findings, err
	}
	findings, err = s.Scan(ctx, f)
	return format, nil, findings, err
}
