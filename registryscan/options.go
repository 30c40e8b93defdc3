package registryscan

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"path"
	"runtime"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
)

// ErrConfig is returned by New for options that cannot work together, and
// by Run for a target that is not HOST[/PREFIX].
var ErrConfig = errors.New("registryscan: bad configuration")

// Scanner crawls registries and scans their artifacts. It is safe to run
// once at a time; make one per run.
type Scanner struct {
	reg      oci.Registry
	tr       *transport
	puller   *remote.Puller // shared by every registry call of the Scanner
	run      *runner.Runner
	jobs     int
	tags     []string
	shard    Shard
	cache    *diskCache
	skip     func(repository, digest string) bool
	lim      oci.Limits
	progress func(Progress)
	memo     memo
}

// Shard selects the repositories one of N workers scans: those whose
// name's FNV-1a 64-bit hash modulo N is I (0 <= I < N). Every artifact of a
// repository is in the same shard, so the shards are disjoint and their
// union is the whole registry.
type Shard struct{ I, N int }

// Progress is what a progress callback is told after each artifact.
type Progress struct {
	Repositories, Artifacts, Done int
	BytesRead, BytesStored        int64
}

// Option configures a Scanner.
type Option func(*Scanner) error

// StoredCRCBelow is the runner.Config.StoredCRCBelow of the default
// runner: stored zip members (PyTorch tensor storages) over 1 MiB are
// sniffed, not read whole for their CRC; pickles are smaller and still
// checked.
const StoredCRCBelow = 1 << 20

// WithRunner sets the runner that scans files. Its hashing decides what
// raw layers cost: a runner made with runner.WithoutHash reads only what
// the scanners need (a safetensors header), one that hashes reads and
// checks every raw layer whole. Default: a runner without hashing whose
// scanners check the CRC of stored zip members under StoredCRCBelow only.
func WithRunner(r *runner.Runner) Option {
	return func(s *Scanner) error { s.run = r; return nil }
}

// WithJobs sets how many repositories are listed and artifacts scanned at
// once (default: the number of CPUs).
func WithJobs(n int) Option {
	return func(s *Scanner) error {
		if n < 1 {
			return fmt.Errorf("%w: jobs %d", ErrConfig, n)
		}
		s.jobs = n
		return nil
	}
}

// WithTags scans only tags matching one of the glob patterns (path.Match
// syntax: "v*", "latest").
func WithTags(patterns ...string) Option {
	return func(s *Scanner) error {
		for _, p := range patterns {
			if _, err := path.Match(p, ""); err != nil {
				return fmt.Errorf("%w: tag pattern %q: %w", ErrConfig, p, err)
			}
		}
		s.tags = patterns
		return nil
	}
}

// WithShard scans only shard sh (see Shard).
func WithShard(sh Shard) Option {
	return func(s *Scanner) error {
		if sh.N < 1 || sh.I < 0 || sh.I >= sh.N {
			return fmt.Errorf("%w: shard %d/%d", ErrConfig, sh.I, sh.N)
		}
		s.shard = sh
		return nil
	}
}

// WithCache keeps each layer's result in dir, keyed by the layer's digest
// and by key, which must change whenever the scanners or their rules do
// (the CLI uses a hash of its own executable and of the allowlists).
func WithCache(dir, key string) Option {
	return func(s *Scanner) error {
		c, err := newDiskCache(dir, key)
		if err != nil {
			return err
		}
		s.cache = c
		return nil
	}
}

// WithSkip leaves out the artifacts for which done returns true (those a
// resumed run already has).
func WithSkip(done func(repository, digest string) bool) Option {
	return func(s *Scanner) error { s.skip = done; return nil }
}

// WithRetry sets the retry and timeout policy (see Retry).
func WithRetry(r Retry) Option {
	return func(s *Scanner) error { s.tr.retry = r.withDefaults(); return nil }
}

// WithLimits bounds what is read of each artifact (see oci.Limits).
func WithLimits(l oci.Limits) Option {
	return func(s *Scanner) error { s.lim = l; return nil }
}

// WithProgress calls fn after each artifact (from one goroutine at a time).
func WithProgress(fn func(Progress)) Option {
	return func(s *Scanner) error { s.progress = fn; return nil }
}

// New returns a Scanner reaching registries as reg says; its transport is
// wrapped to retry, time out and count bytes.
func New(reg oci.Registry, opts ...Option) (*Scanner, error) {
	base := reg.Transport
	if base == nil {
		base = defaultTransport(reg.Insecure)
	}
	s := &Scanner{reg: reg, tr: &transport{base: base, retry: Retry{}.withDefaults()},
		jobs: runtime.GOMAXPROCS(0), shard: Shard{0, 1}, memo: memo{m: map[string]*memoEntry{}}}
	s.reg.Transport = s.tr
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	p, err := s.reg.NewPuller(context.Background(), pullerOptions()...)
	if err != nil {
		return nil, err
	}
	s.puller = p
	if s.run == nil {
		s.run = runner.New(runner.WithoutHash(), runner.WithScanners(runner.Scanners(runner.Config{StoredCRCBelow: StoredCRCBelow})...))
	}
	return s, nil
}

// defaultTransport is http.DefaultTransport, without TLS verification when
// insecure (--insecure asks for it, as oci.Registry does).
func defaultTransport(insecure bool) http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = 64
	if insecure {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true} //nolint:gosec // --insecure
	}
	return t
}
