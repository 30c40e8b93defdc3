package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/registryscan"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
)

// scanRegistryOptions are the flags of `aibom scan registry`.
type scanRegistryOptions struct {
	summaryOptions
	tags        []string
	jobs        int
	shard       string
	cache       string
	allowlist   []string
	verifyBlobs bool
	timeout     time.Duration
	retries     int
	progress    bool
	registry    registryOptions
	cmd         *cobra.Command
}

// AddFlags registers the flags on cmd.
func (o *scanRegistryOptions) AddFlags(cmd *cobra.Command) {
	o.cmd = cmd
	f := cmd.Flags()
	o.summaryOptions.AddFlags(cmd, "write each artifact's result to this file as JSON Lines, as results arrive; an existing file is resumed (artifacts already in it are skipped); - for stdout (the summary then goes to stderr)")
	f.StringArrayVar(&o.tags, "tags", nil, "scan only tags matching this glob (v*, latest); repeatable; default: every tag")
	f.IntVar(&o.jobs, "jobs", 4, "repositories listed and artifacts scanned at once")
	f.StringVar(&o.shard, "shard", "", "scan only shard I of N (I/N, 0 <= I < N): the repositories whose name hashes (FNV-1a 64) to I modulo N")
	f.StringVar(&o.cache, "cache", "", "keep each layer's result in this folder, keyed by layer digest and by this aibom binary and allowlists, and reuse it in later runs")
	f.StringArrayVar(&o.allowlist, "allowlist", nil, "file of extra allowed pickle callables, one dotted name per line; repeatable")
	f.BoolVar(&o.verifyBlobs, "verify-blobs", false, "read raw layers whole to check their digest, and every stored zip member (PyTorch tensor storages) for its CRC (default: only the bytes the scanners need: a safetensors header, a PyTorch zip's directory and pickles; stored members under 1 MiB are CRC-checked)")
	f.DurationVar(&o.timeout, "timeout", 60*time.Second, "per request: time to the answer's headers, and longest stall while reading its body")
	f.IntVar(&o.retries, "retries", 5, "attempts per request on 429, 5xx and network errors (exponential backoff with jitter; Retry-After honoured)")
	f.BoolVar(&o.progress, "progress", false, "show a progress line on stderr (default: when stderr is a terminal)")
	o.registry.AddFlags(cmd)
}

func newScanRegistry(stdout, stderr io.Writer) *cobra.Command {
	o := &scanRegistryOptions{}
	cmd := &cobra.Command{
		Use:   "registry HOST[/REPOSITORY-PREFIX]",
		Short: "Scan every artifact in a registry, reading as few bytes as a verdict needs",
		Long: `Crawl a registry and scan every model artifact and image in it.

The catalog is listed (all pages), then each repository's tags (--tags to
filter); each tag is resolved by a HEAD request, tags naming the same digest
are scanned once, and image indexes are followed to their manifests. Each
distinct layer is read at most once per run (--cache keeps results across
runs). Raw layers are read with HTTP range requests: a safetensors or GGUF
file costs its header, a PyTorch zip its directory and pickles. Tar layers
are streamed (their digest is checked); members no scanner wants are not
buffered.

cosign's tags (sha256-<hex>.sig, .att, .sbom) and OCI referrers are never
scanned as models: they are reported on the artifact they name, as
"signed" (a cosign signature or a Sigstore bundle signature is attached)
and "bom_attached" (an attestation or SBOM whose predicate or media type
says CycloneDX or SPDX). This is DETECTION ONLY: nothing is verified
cryptographically. Use 'aibom verify' to verify.

Output (-o FILE), one JSON object per line and per artifact, written as
results arrive (the contract; fields are only ever added):
  {"repository", "tag", "digest", "verdict", "signed", "bom_attached",
   "bytes_read", "bytes_stored", "files": [{"path", "format", "verdict",
   "findings"}]}
Verdicts and findings are those of 'aibom scan --format json'. Restarted with
the same -o, a run skips the artifacts the file already holds (a torn last
line is dropped). A summary follows on stdout (--format table, json or
sarif). A registry that sends bytes whose size or digest is not what it
announced gets a REGISTRY-BLOB-MISMATCH finding on that artifact.

--shard I/N splits the repositories between N runs (a Kubernetes Indexed
Job: deploy/scan-registry/); 'aibom scan merge' joins their outputs.

Exit codes: 0 when no artifact reaches --fail-on, 1 when one does, 2 on a
usage error or when the registry cannot be listed.`,
		Example: `  # every artifact of a registry, results as JSON Lines
  aibom scan registry -o results.jsonl registry.example.com

  # one team's repositories, release tags only, with a layer cache
  aibom scan registry --tags 'v*' --cache ~/.cache/aibom registry.example.com/ml-team

  # shard 2 of 8 (an Indexed Job pod), then merge the shards
  aibom scan registry --shard 2/8 -o shard-2.jsonl registry.example.com
  aibom scan merge --format sarif -o all.jsonl shard-*.jsonl > registry.sarif`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScanRegistry(cmd.Context(), o, args[0], stdout, stderr)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func (o *scanRegistryOptions) scannerOptions() ([]registryscan.Option, error) {
	pol := pickle.DefaultPolicy()
	key := sha256.New()
	for _, path := range o.allowlist {
		if err := loadAllowlist(pol, path); err != nil {
			return nil, usageError{err}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, usageError{err}
		}
		key.Write(b)
	}
	cfg := runner.Config{Policy: pol}
	if !o.verifyBlobs {
		cfg.StoredCRCBelow = registryscan.StoredCRCBelow
	}
	ropts := []runner.Option{runner.WithScanners(runner.Scanners(cfg)...), runner.WithWorkers(2)}
	if !o.verifyBlobs {
		ropts = append(ropts, runner.WithoutHash())
	}
	opts := []registryscan.Option{
		registryscan.WithRunner(runner.New(ropts...)),
		registryscan.WithJobs(o.jobs),
		registryscan.WithRetry(registryscan.Retry{Attempts: o.retries, Timeout: o.timeout}),
	}
	if len(o.tags) > 0 {
		opts = append(opts, registryscan.WithTags(o.tags...))
	}
	if o.shard != "" {
		sh, err := parseShard(o.shard)
		if err != nil {
			return nil, usageError{err}
		}
		opts = append(opts, registryscan.WithShard(sh))
	}
	if o.cache != "" {
		self, err := executableDigest()
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(key, "%s|%s|verify=%v", version, self, o.verifyBlobs)
		opts = append(opts, registryscan.WithCache(o.cache, hex.EncodeToString(key.Sum(nil))))
	}
	return opts, nil
}

// parseShard parses "I/N".
func parseShard(s string) (registryscan.Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return registryscan.Shard{}, fmt.Errorf("bad --shard %q (want I/N with 0 <= I < N)", s)
	}
	return registryscan.Shard{I: i, N: n}, nil
}

// executableDigest is the SHA-256 of the running aibom: any change to the
// scanners or their rules changes it, and so the cache key.
func executableDigest() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cache key: %w", err)
	}
	f, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("cache key: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("cache key: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func runScanRegistry(ctx context.Context, o *scanRegistryOptions, target string, stdout, stderr io.Writer) error {
	threshold, err := o.check()
	if err != nil {
		return err
	}
	opts, err := o.scannerOptions()
	if err != nil {
		return err
	}
	out, prior, err := openResults(o.output, stdout)
	if err != nil {
		return err
	}
	defer out.Close()
	done := map[string]bool{}
	for _, r := range prior {
		if r.Error == "" { // an artifact that could not be read is tried again
			done[r.Key()] = true
		}
	}
	opts = append(opts, registryscan.WithSkip(func(repo, digest string) bool { return done[repo+"@"+digest] }))
	if o.showProgress(stderr) {
		opts = append(opts, registryscan.WithProgress(func(p registryscan.Progress) {
			fmt.Fprintf(stderr, "\r\x1b[K%d/%d artifacts (%d repositories), read %s of %s", p.Done, p.Artifacts, p.Repositories, human(p.BytesRead), human(p.BytesStored))
		}))
	}
	s, err := registryscan.New(o.registry.registry(), opts...)
	if err != nil {
		return usageError{err}
	}
	results := prior
	_, err = s.Run(ctx, target, func(r registryscan.Result) error {
		results = append(results, r)
		return out.write(r)
	})
	if o.showProgress(stderr) {
		fmt.Fprintln(stderr)
	}
	if errors.Is(err, registryscan.ErrConfig) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	sw := stdout
	if o.output == "-" {
		sw = stderr
	}
	return o.finish(sw, results, threshold)
}

func (o *scanRegistryOptions) showProgress(stderr io.Writer) bool {
	if o.cmd != nil && o.cmd.Flags().Changed("progress") {
		return o.progress
	}
	return isTerminal(stderr)
}

// resultsFile appends JSON Lines: one write and one fsync per line.
type resultsFile struct {
	mu sync.Mutex
	w  io.Writer
	f  *os.File // nil for stdout
}

func (r *resultsFile) write(res registryscan.Result) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.w.Write(b); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	if r.f != nil {
		if err := r.f.Sync(); err != nil {
			return fmt.Errorf("writing results: %w", err)
		}
	}
	return nil
}

func (r *resultsFile) Close() error {
	if r.f != nil {
		return r.f.Close()
	}
	return nil
}

// openResults opens -o for appending. An existing file is read (its
// results resume the run) and cut after its last whole line.
func openResults(path string, stdout io.Writer) (*resultsFile, []registryscan.Result, error) {
	switch path {
	case "":
		return &resultsFile{w: io.Discard}, nil, nil
	case "-":
		return &resultsFile{w: stdout}, nil, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, nil, fmt.Errorf("results: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("results: %w", err)
	}
	prior, good, err := registryscan.ReadResults(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("resuming from %s: %w", path, err)
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("resuming from %s: %w", path, err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("resuming from %s: %w", path, err)
	}
	return &resultsFile{w: f, f: f}, prior, nil
}

// human formats a byte count.
func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
