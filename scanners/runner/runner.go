// Package runner scans sources (package aibom/source) with the full set of
// format scanners: it walks them, hashes files, sniffs each file's format by content, hands it
// to the scanner that matches, recurses into archives and turns a panicking
// scanner into an invalid result instead of a crash. Files are scanned on
// all cores.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// Runner scans files with a list of scanners.
type Runner struct {
	scanners []scanners.Scanner
	workers  int
	hash     bool
	progress func(done, total int, path string)
	// spooled counts the bytes of streamed entries spooled, for tests.
	spooled atomic.Int64
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

// Item is one entry of a source and its scan result.
type Item struct {
	// Entry is the source's entry (for a problem, only its Path is usable).
	Entry source.Entry
	// Problem is the source's reason for not reading the entry, if any;
	// the result is then unscanned.
	Problem error
	Result  scanners.FileResult
}

// Scan opens each path as a source (source.Open: a directory, a file, a
// Hugging Face cache) and scans it. It returns one Result per entry and
// per problem of every source, sorted by path. A file named on the command
// line is reported by the path as given, the entries of a folder by their
// path in it. Errors that stop a path from being listed (a missing path)
// are returned; problems with single files are results with verdict
// invalid or unscanned.
func (r *Runner) Scan(ctx context.Context, paths ...string) (*scanners.Report, error) {
	srcs := make([]source.Source, 0, len(paths))
	for _, p := range paths {
		src, err := source.Open(ctx, p)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, src)
	}
	return r.ScanSources(ctx, srcs...)
}

// ScanSources scans every source and returns their results in one report,
// sorted by path.
func (r *Runner) ScanSources(ctx context.Context, srcs ...source.Source) (*scanners.Report, error) {
	var results []scanners.FileResult
	for _, src := range srcs {
		items, err := r.ScanSource(ctx, src)
		if err != nil {
			return nil, err
		}
		single := src.Info().Kind == source.SingleFile
		for _, it := range items {
			if single {
				it.Result.Path = filepath.ToSlash(src.Info().Root)
			}
			results = append(results, it.Result)
		}
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Path < results[j].Path })
	rep := &scanners.Report{Files: results}
	rep.Summarize()
	return rep, nil
}

// ScanSource walks src and scans each entry on the Runner's workers,
// calling the progress function after each. Items come in the source's
// order; a problem of the source is an item whose result is unscanned.
// Random-access entries are opened by the workers; a streamed entry is
// spooled (source.SpoolLimits) while the walk is at it, unless its head
// shows that no scanner wants it: then it is hashed as it streams past and
// never buffered (see spoolOrSkip). ScanSource stops
// early, with the context's error, when ctx ends.
func (r *Runner) ScanSource(ctx context.Context, src source.Source) ([]Item, error) {
	var (
		items   []Item
		spooled = map[int]source.ReaderAt{}
		skipped = map[int]*scanners.FileResult{}
	)
	err := src.Walk(ctx, func(e source.Entry, problem error) error {
		it := Item{Entry: e, Problem: problem}
		if _, ok := e.(source.RandomAccess); !ok && problem == nil {
			ra, res, err := r.spoolOrSkip(ctx, e)
			switch {
			case err != nil:
				it.Problem = fmt.Errorf("spooling %s: %w", e.Path(), err)
				if ra != nil {
					_ = ra.Close()
				}
			case res != nil:
				skipped[len(items)] = res
			default:
				spooled[len(items)] = ra
			}
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		for _, ra := range spooled {
			_ = ra.Close()
		}
		return nil, fmt.Errorf("listing %s: %w", src.Info().Root, err)
	}
	err = r.parallel(ctx, len(items), func(i int) string {
		it := &items[i]
		if res, ok := skipped[i]; ok {
			it.Result = *res
		} else if ra, ok := spooled[i]; ok {
			it.Result = r.ScanReaderAt(ctx, it.Entry.Path(), ra, it.Entry.Size())
			checkDigest(&it.Result, it.Entry.Digest())
			_ = ra.Close()
		} else {
			it.Result = r.scanEntry(ctx, it.Entry, it.Problem)
		}
		return it.Entry.Path()
	})
	linkCode(ctx, items) // Python files and the configs that import them (automap.go)
	return items, err
}

// parallel calls fn(i) for i in [0, n) on the Runner's workers, and the
// progress function with the name fn returns. It stops early, with the
// context's error, when ctx ends.
func (r *Runner) parallel(ctx context.Context, n int, fn func(i int) string) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	next := make(chan int)
	for range min(r.workers, max(n, 1)) {
		wg.Go(func() {
			for i := range next {
				name := fn(i)
				if r.progress != nil {
					mu.Lock()
					done++
					r.progress(done, n, name)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return ctx.Err()
}

// ScanEntry scans one entry of a source, reported by its path.
func (r *Runner) ScanEntry(ctx context.Context, e source.Entry) scanners.FileResult {
	return r.scanEntry(ctx, e, nil)
}

func (r *Runner) scanEntry(ctx context.Context, e source.Entry, problem error) scanners.FileResult {
	res := scanners.FileResult{Path: e.Path(), Format: "unknown", Findings: []scanners.Finding{}}
	fail := func(v scanners.Verdict, err error) scanners.FileResult {
		res.Verdict = v
		res.Errors = append(res.Errors, &scanners.FormatError{Format: "io", Offset: -1, Msg: err.Error()})
		return res
	}
	if problem != nil {
		// Listed but not read (a dangling link, a link leaving the
		// source): nothing loads it from here either. An unreadable
		// directory or file status, though, hides what a loader may
		// read: it fails the scan, as an unreadable file does.
		if errors.Is(problem, source.ErrUnreadable) {
			return fail(scanners.Invalid, problem)
		}
		return fail(scanners.Unscanned, problem)
	}
	ra, err := source.OpenReaderAt(ctx, e, source.SpoolLimits())
	if err != nil {
		if ra != nil {
			_ = ra.Close()
		}
		return fail(scanners.Invalid, err)
	}
	defer ra.Close()
	res = r.ScanReaderAt(ctx, e.Path(), ra, e.Size())
	checkDigest(&res, e.Digest())
	return res
}

// ScanReaderAt scans size bytes of ra, reported as path: the core every
// source ends in (a local file, a spooled tar member, a blob read by HTTP
// range requests).
func (r *Runner) ScanReaderAt(ctx context.Context, path string, ra io.ReaderAt, size int64) scanners.FileResult {
	res := scanners.FileResult{Path: path, Format: "unknown", Findings: []scanners.Finding{}, Size: size}
	r.scanReader(ctx, &res, ra)
	return res
}
