package registryscan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// Rules of the findings registryscan adds to an artifact's files.
const (
	// RuleBlobMismatch: the registry served a layer or a manifest whose
	// size or digest is not what its descriptor says.
	RuleBlobMismatch = "REGISTRY-BLOB-MISMATCH"
	// RuleUnreadable: a layer could not be read (for another reason).
	RuleUnreadable = "REGISTRY-UNREADABLE"
)

// Stats counts a run.
type Stats struct {
	Repositories int
	// Artifacts scanned in this run; Resumed were left out (WithSkip).
	Artifacts, Resumed int
	// Layers read, and layer results found in this run's memory or in
	// the cache instead.
	LayersRead, MemoHits, CacheHits int
	// BytesRead is every byte received (listing included); Retries counts
	// retried requests.
	BytesRead, Retries int64
}

// Run crawls target ("HOST" or "HOST/REPOSITORY-PREFIX") and calls emit
// with each artifact's Result as it is ready, from one goroutine at a
// time. An error of emit stops the run. Problems with one artifact are
// results (verdict invalid, Error set), not errors of Run.
func (s *Scanner) Run(ctx context.Context, target string, emit func(Result) error) (Stats, error) {
	reg, prefix, err := s.parseTarget(target)
	if err != nil {
		return Stats{}, err
	}
	repos, err := s.repositories(ctx, reg, prefix)
	if err != nil {
		return Stats{}, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		st      = Stats{Repositories: len(repos)}
		mu      sync.Mutex
		prog    Progress
		items   = make(chan item)
		listed  sync.WaitGroup
		scanned sync.WaitGroup
	)
	prog.Repositories = len(repos)
	repoCh := make(chan string)
	for range s.jobs {
		listed.Go(func() {
			for r := range repoCh {
				s.listOne(ctx, reg, r, items, &mu, &st, &prog, emit, cancel)
			}
		})
		scanned.Go(func() {
			for it := range items {
				res, ok := s.scanArtifact(ctx, it)
				if !ok || ctx.Err() != nil {
					continue // an interrupted scan is no result: a resumed run redoes it
				}
				mu.Lock()
				st.Artifacts++
				prog.Done++
				prog.BytesRead += res.BytesRead
				prog.BytesStored += res.BytesStored
				if err := emit(res); err != nil {
					cancel(err)
				}
				if s.progress != nil {
					s.progress(prog)
				}
				mu.Unlock()
			}
		})
	}
	for _, r := range repos {
		if ctx.Err() != nil {
			break
		}
		repoCh <- r
	}
	close(repoCh)
	listed.Wait()
	close(items)
	scanned.Wait()
	st.BytesRead, st.Retries = s.tr.total.Load(), s.tr.retries.Load()
	st.LayersRead, st.MemoHits, st.CacheHits = int(s.memo.read.Load()), int(s.memo.hits.Load()), int(s.memo.cached.Load())
	if err := context.Cause(ctx); err != nil {
		return st, err
	}
	return st, nil
}

// listOne lists one repository and queues its artifacts; a repository
// that cannot be listed is one invalid result.
func (s *Scanner) listOne(ctx context.Context, reg name.Registry, r string, items chan<- item,
	mu *sync.Mutex, st *Stats, prog *Progress, emit func(Result) error, cancel context.CancelCauseFunc) {
	repo := reg.Repo(r)
	its, err := s.listRepo(ctx, repo)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		mu.Lock()
		if eerr := emit(Result{Repository: repo.Name(), Digest: "-", Verdict: scanners.Invalid, Files: []File{}, Error: err.Error()}); eerr != nil {
			cancel(eerr)
		}
		mu.Unlock()
		return
	}
	mu.Lock()
	prog.Artifacts += len(its)
	mu.Unlock()
	for _, it := range its {
		if s.skip != nil && s.skip(repo.Name(), it.digest.String()) {
			mu.Lock()
			st.Resumed++
			mu.Unlock()
			continue
		}
		select {
		case items <- it:
		case <-ctx.Done():
			return
		}
	}
}

// scanArtifact opens and scans one artifact; ok is false for a referrer
// (a manifest with a subject), which is no artifact of its own.
func (s *Scanner) scanArtifact(ctx context.Context, it item) (Result, bool) {
	var n atomic.Int64
	actx := withCounter(ctx, &n)
	res := Result{Repository: it.repo.Name(), Digest: it.digest.String(), Index: it.index, Tags: it.tags, Files: []File{}}
	if len(it.tags) > 0 {
		res.Tag = it.tags[0]
	}
	att := s.referrers(actx, it.repo, it.digest, it.att)
	res.Signed, res.BOMAttached = att.signed, att.bom
	a, err := oci.OpenRemote(actx, it.repo.Digest(it.digest.String()), oci.WithRegistry(s.reg), oci.WithLimits(s.lim))
	if err != nil {
		res.Verdict, res.Error = scanners.Invalid, err.Error()
		res.Files = append(res.Files, problemFile("<manifest>", "", err))
		res.BytesRead = n.Load()
		return res, true
	}
	defer a.Close()
	if a.Manifest.Subject != nil {
		return Result{}, false
	}
	res.Kind = string(a.Kind)
	res.BytesStored = int64(len(a.RawManifest)) + a.Manifest.Config.Size
	for _, l := range a.Layers {
		res.BytesStored += l.Size
		res.Files = append(res.Files, s.layerFiles(actx, a, l)...)
	}
	res.Verdict = scanners.Unscanned
	if len(res.Files) > 0 {
		res.Verdict = scanners.Clean
	}
	for _, f := range res.Files {
		res.Verdict = max(res.Verdict, f.Verdict)
	}
	res.BytesRead = n.Load()
	return res, true
}

// layerFiles returns the results of l's files, reading the layer only
// when neither this run nor the cache has them.
func (s *Scanner) layerFiles(ctx context.Context, a *oci.Artifact, l oci.Layer) []File {
	key, rename := layerKey(a, l)
	files, hit := s.memo.do(key, func() []File {
		if s.cache != nil {
			if f, ok := s.cache.get(key); ok {
				s.memo.cached.Add(1)
				return f
			}
		}
		s.memo.read.Add(1)
		f, ok := s.scanLayer(ctx, a, l)
		if ok && s.cache != nil && ctx.Err() == nil {
			_ = s.cache.put(key, f) // a cache that cannot be written only costs time
		}
		return f
	})
	if hit {
		s.memo.hits.Add(1)
	}
	if rename != "" && len(files) == 1 && files[0].Layer == l.Digest.String() {
		f := files[0]
		f.Path = rename
		return []File{f}
	}
	return files
}

// layerKey is what a layer's result depends on: its digest and how it is
// read. A raw layer is one file whatever its name: its result is shared
// by every artifact holding that digest and renamed to the name each gives
// it (rename), unless the name is unsafe (then the name is in the key). A
// ModelPack tar layer's members are named under its filepath annotation.
func layerKey(a *oci.Artifact, l oci.Layer) (key, rename string) {
	if l.Packing == oci.Raw {
		p := path.Clean(strings.ReplaceAll(l.Path, "\\", "/"))
		if p != "." && p != ".." && !strings.HasPrefix(p, "../") && !strings.HasPrefix(p, "/") && !strings.Contains(p, ":") {
			return l.Digest.String() + "|raw", p
		}
		return l.Digest.String() + "|raw|" + l.Path, ""
	}
	prefix := ""
	if a.Kind == oci.ModelPack {
		prefix = l.Annotations[oci.AnnotationFilepath]
	}
	return fmt.Sprintf("%s|%s|%s", l.Digest, l.Packing, prefix), ""
}

// scanLayer scans the files of one layer with the runner; ok is false
// when the layer could not be read whole (the result is not cached).
func (s *Scanner) scanLayer(ctx context.Context, a *oci.Artifact, l oci.Layer) ([]File, bool) {
	one := *a
	one.Layers = []oci.Layer{l}
	src := &layerSource{a: &one, l: l}
	items, err := s.run.ScanSource(ctx, src)
	if err != nil {
		return []File{problemFile("<layer "+l.Digest.String()+">", l.Digest.String(), err)}, false
	}
	out := make([]File, 0, len(items))
	ok := true
	for _, it := range items {
		r := it.Result
		f := File{Path: r.Path, Format: r.Format, Verdict: r.Verdict, Findings: r.Findings, Errors: r.Errors, Layer: l.Digest.String()}
		if f.Findings == nil {
			f.Findings = []scanners.Finding{}
		}
		if e := src.mismatch(r.Path); e != nil {
			f.Verdict = max(f.Verdict, scanners.Invalid)
			f.Findings = append(f.Findings, mismatchFinding(e))
			ok = false
		}
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, ok
}

func mismatchFinding(err error) scanners.Finding {
	return scanners.Finding{Rule: RuleBlobMismatch, Severity: scanners.High, ATLAS: scanners.ATLASSupplyChainModel,
		Message: "the registry served bytes that are not what the descriptor says (size or digest): not trusted: " + err.Error()}
}

// problemFile is the entry for a manifest or layer that could not be read.
func problemFile(path, layer string, err error) File {
	f := File{Path: path, Format: "oci", Verdict: scanners.Invalid, Layer: layer,
		Errors: []*scanners.FormatError{{Format: "io", Offset: -1, Msg: err.Error()}}}
	if errors.Is(err, oci.ErrDigestMismatch) || errors.Is(err, oci.ErrSizeMismatch) {
		f.Findings = []scanners.Finding{mismatchFinding(err)}
	} else {
		f.Findings = []scanners.Finding{{Rule: RuleUnreadable, Severity: scanners.Medium, ATLAS: scanners.ATLASSupplyChainModel,
			Message: "could not be read: " + err.Error()}}
	}
	return f
}

// layerSource is one layer of an artifact as a source.Source: a raw layer
// is a RandomAccess entry read by range, a tar layer's members are
// streamed entries.
type layerSource struct {
	a *oci.Artifact
	l oci.Layer

	mu   sync.Mutex
	errs map[string]error // size/digest mismatches seen reading raw entries
}

func (ls *layerSource) Info() source.Info {
	return source.Info{Kind: source.OCIRegistry, Root: ls.a.Repository + "@" + ls.a.Digest.String(), Revision: ls.a.Digest.String()}
}

func (ls *layerSource) Walk(ctx context.Context, fn source.WalkFunc) error {
	return ls.a.Walk(ctx, func(_ context.Context, e oci.Entry) error {
		if e.At != nil {
			return fn(&rawEntry{f: e.File, ls: ls}, nil)
		}
		m := &memberEntry{f: e.File, r: e.R}
		err := fn(m, nil)
		m.r = nil
		return err
	})
}

func (ls *layerSource) record(path string, err error) {
	if errors.Is(err, oci.ErrSizeMismatch) || errors.Is(err, oci.ErrDigestMismatch) {
		ls.mu.Lock()
		if ls.errs == nil {
			ls.errs = map[string]error{}
		}
		if ls.errs[path] == nil {
			ls.errs[path] = err
		}
		ls.mu.Unlock()
	}
}

func (ls *layerSource) mismatch(path string) error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.errs[path]
}

type rawEntry struct {
	f  oci.File
	ls *layerSource
}

func (e *rawEntry) Path() string   { return e.f.Path }
func (e *rawEntry) Size() int64    { return e.f.Size }
func (e *rawEntry) Digest() string { return e.f.Digest.String() }

func (e *rawEntry) OpenAt(ctx context.Context) (source.ReaderAt, error) {
	r, err := e.ls.a.OpenLayer(ctx, e.ls.l)
	if err != nil {
		e.ls.record(e.f.Path, err)
		return nil, err
	}
	return &recordingReader{r: r, e: e}, nil
}

func (e *rawEntry) Open(ctx context.Context) (io.ReadCloser, error) {
	ra, err := e.OpenAt(ctx)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(ra, 0, e.f.Size), ra}, nil
}

// recordingReader notes size and digest mismatches the range reader finds.
type recordingReader struct {
	r io.ReaderAt
	e *rawEntry
}

func (r *recordingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.r.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) {
		r.e.ls.record(r.e.f.Path, err)
	}
	return n, err
}

func (r *recordingReader) Close() error {
	if c, ok := r.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// memberEntry is a tar member, streamed once inside the walk.
type memberEntry struct {
	f oci.File
	r io.Reader
}

func (e *memberEntry) Path() string   { return e.f.Path }
func (e *memberEntry) Size() int64    { return e.f.Size }
func (e *memberEntry) Digest() string { return "" }
func (e *memberEntry) Open(context.Context) (io.ReadCloser, error) {
	if e.r == nil {
		return nil, fmt.Errorf("%s: %w", e.f.Path, source.ErrStreamed)
	}
	r := e.r
	e.r = nil
	return io.NopCloser(r), nil
}
