package modelsig

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/verify"
)

// Trust is who may have signed: verify's trusted keys and keyless identities
// (with their trusted root), plus certificate authorities that a signing
// certificate carried in the bundle must chain to.
type Trust struct {
	verify.Trust
	// CertificateChain are the trusted CA certificates (--certificate-chain).
	CertificateChain []*x509.Certificate
}

// Result is what Verify found about one model.
type Result struct {
	// Path is the model folder or file.
	Path string `json:"path"`
	// Verified: the signature is by a trusted signer and every file of the
	// model matches the signed manifest.
	Verified bool `json:"verified"`
	// Signers are the trusted keys, certificates or identities that signed.
	Signers []string `json:"signers"`
	// Files is the number of files in the signed manifest.
	Files int `json:"files"`
	// PredicateType of the signed statement.
	PredicateType string `json:"predicateType,omitempty"`
	// Problems say, for a person, why the model did not verify, naming each
	// changed, added or missing file.
	Problems []string `json:"problems"`
}

type options struct {
	sigPath       string
	ignore        []string
	allowSymlinks bool
	limits        Limits
	now           func() time.Time
	noSCT         bool
}

// Option configures Verify.
type Option func(*options)

// WithSignature reads the signature from path instead of DIR/model.sig.
func WithSignature(path string) Option { return func(o *options) { o.sigPath = path } }

// WithIgnorePaths ignores more paths (relative to the model, or absolute), as
// the reference's --ignore-paths does.
func WithIgnorePaths(paths ...string) Option {
	return func(o *options) { o.ignore = append(o.ignore, paths...) }
}

// WithAllowSymlinks follows symbolic links to regular files instead of
// refusing them.
func WithAllowSymlinks() Option { return func(o *options) { o.allowSymlinks = true } }

// WithoutSCTsUnsafe accepts keyless certificates without a signed
// certificate timestamp from a trusted CT log (for private Sigstore
// deployments that run no CT log). Public-good Fulcio certificates always
// carry one, and by default one is required.
func WithoutSCTsUnsafe() Option { return func(o *options) { o.noSCT = true } }

// WithLimits replaces DefaultLimits.
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

func newOptions(opts []Option) options {
	o := options{limits: DefaultLimits(), now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// signaturePath is DIR/model.sig for a folder, and model.sig beside a file.
func signaturePath(model string, o options) (string, error) {
	if o.sigPath != "" {
		return o.sigPath, nil
	}
	fi, err := os.Stat(model)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if fi.IsDir() {
		return filepath.Join(model, DefaultSignatureName), nil
	}
	return filepath.Join(filepath.Dir(model), DefaultSignatureName), nil
}

// Verify checks the OMS signature of the model at path (a folder or a single
// file). A signature that does not verify is a Result with Verified false and
// Problems; an error is returned only for configuration errors (no trust, no
// such model) and a cancelled ctx.
func Verify(ctx context.Context, path string, trust Trust, opts ...Option) (*Result, error) {
	if len(trust.Keys) == 0 && len(trust.Identities) == 0 && len(trust.CertificateChain) == 0 {
		return nil, fmt.Errorf("%w: no trusted key, certificate chain or identity", ErrConfig)
	}
	if len(trust.Identities) > 0 && trust.TrustedMaterial == nil {
		return nil, fmt.Errorf("%w: keyless identities need a Sigstore trusted root", ErrConfig)
	}
	o := newOptions(opts)
	sigPath, err := signaturePath(path, o)
	if err != nil {
		return nil, err
	}
	res := &Result{Path: path, Signers: []string{}, Problems: []string{}}
	raw, err := readBounded(sigPath, o.limits.MaxSignatureBytes)
	if err != nil {
		res.Problems = append(res.Problems, err.Error())
		return res, nil
	}
	m, signer, err := checkSignature(ctx, raw, trust, o)
	if err != nil {
		res.Problems = append(res.Problems, fmt.Sprintf("%s: %v", sigPath, err))
		return res, ctx.Err()
	}
	res.Signers = append(res.Signers, signer)
	res.PredicateType, res.Files = m.PredicateType, len(m.Resources)
	problems, err := compareModel(ctx, path, sigPath, m, o)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		problems = append(problems, err.Error())
	}
	res.Problems = append(res.Problems, problems...)
	res.Verified = len(res.Problems) == 0
	return res, nil
}

func readBounded(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("no signature: %w", err)
	}
	defer f.Close()
	b, err := safeio.ReadAll(f, limit)
	if errors.Is(err, safeio.ErrTooLarge) {
		return nil, fmt.Errorf("%s: %w (%d bytes)", p, ErrTooLarge, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	return b, nil
}

// checkSignature verifies the bundle's signature with the trust and returns
// the signed manifest and the signer's name.
func checkSignature(_ context.Context, raw []byte, trust Trust, o options) (*manifest, string, error) {
	pb, env, err := parseBundle(raw)
	if err != nil {
		return nil, "", err
	}
	sig := env.GetSignatures()[0].GetSig()
	msgs := signedMessages(env.GetPayloadType(), env.GetPayload())
	var signer string
	var signed signedMessage
	var errs []error
	if name, m, ok := verifyKeys(trust.Keys, sig, msgs); ok {
		signer, signed = name, m
	} else if len(trust.Keys) > 0 {
		errs = append(errs, errors.New("the signature does not verify with any trusted key"))
	}
	if signer == "" && len(trust.CertificateChain) > 0 {
		name, m, err := verifyChain(pb, trust.CertificateChain, o.limits, o.now(), sig, msgs)
		if err == nil {
			signer, signed = name, m
		} else {
			errs = append(errs, err)
		}
	}
	if signer == "" && len(trust.Identities) > 0 {
		name, err := verifyKeyless(pb, trust.Trust, o.noSCT)
		if err == nil {
			signer = name
		} else {
			errs = append(errs, err)
		}
	}
	if signer == "" {
		return nil, "", errors.Join(errs...)
	}
	m, err := parseStatement(env.GetPayload(), o.limits)
	if err != nil {
		return nil, "", err
	}
	if signed.legacy && m.PredicateType != PredicateDigestsV01 {
		return nil, "", fmt.Errorf("%w: a legacy (model_signing 0.2) signature over a %s statement", ErrMalformed, m.PredicateType)
	}
	return m, signer, nil
}

// shapeProblem says why path cannot be the signed model at all: a folder
// where a single file was signed, or the reverse, or a renamed file.
func shapeProblem(path string, m *manifest) (string, error) {
	single := len(m.Resources) > 0 && m.Files[m.Resources[0].Name] == "."
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	switch {
	case single && fi.IsDir():
		return fmt.Sprintf("the signature is of a single file, but %s is a folder", path), nil
	case !single && !fi.IsDir():
		return fmt.Sprintf("the signature is of a folder, but %s is a file", path), nil
	case single && m.Subject != "" && m.Subject != filepath.Base(path):
		return fmt.Sprintf("the signature is of the file %q, not of %q (renamed?)", m.Subject, filepath.Base(path)), nil
	}
	return "", nil
}

// compareModel recomputes the manifest from disk and names every file that
// differs from the signed one.
func compareModel(ctx context.Context, path, sigPath string, m *manifest, o options) ([]string, error) {
	if p, err := shapeProblem(path, m); p != "" || err != nil {
		return []string{p}, err
	}
	ignore := append(append(append([]string{}, defaultIgnore...), m.IgnorePaths...), o.ignore...)
	if abs, err := filepath.Abs(sigPath); err == nil {
		ignore = append(ignore, abs)
	}
	files, err := listFiles(path, walkOptions{
		ignore: ignorePaths(path, ignore), allowSymlinks: o.allowSymlinks, maxFiles: o.limits.MaxFiles,
	})
	if err != nil {
		return nil, err
	}
	units := wholeFiles(files)
	if m.ShardSize > 0 {
		if units, err = shardUnits(path, files, m.ShardSize, o.limits.MaxFiles); err != nil {
			return nil, err
		}
	}
	display := func(f string) string {
		if f == "." {
			return path
		}
		return f
	}
	signed := make(map[string]string, len(m.Resources))
	for _, r := range m.Resources {
		signed[r.Name] = r.Digest
	}
	problems := map[string]bool{}
	var common []unit
	onDisk := make(map[string]bool, len(units))
	for _, u := range units {
		onDisk[u.name()] = true
		if _, ok := signed[u.name()]; ok {
			common = append(common, u)
		} else if m.ShardSize > 0 {
			problems[fmt.Sprintf("file %s does not match the signed manifest (added, renamed or resized)", display(u.file))] = true
		} else {
			problems[fmt.Sprintf("file %s is not in the signed manifest (added or renamed)", u.file)] = true
		}
	}
	for _, r := range m.Resources {
		if !onDisk[r.Name] && m.ShardSize > 0 {
			problems[fmt.Sprintf("file %s is signed but missing or resized", display(m.Files[r.Name]))] = true
		} else if !onDisk[r.Name] {
			problems[fmt.Sprintf("file %s is signed but missing", display(m.Files[r.Name]))] = true
		}
	}
	got, err := hashUnits(ctx, path, common)
	if err != nil {
		return sortedKeys(problems), err
	}
	for i, r := range got {
		if r.Digest != signed[r.Name] {
			what := ""
			if common[i].shard {
				what = fmt.Sprintf(" (bytes %d to %d)", common[i].start, common[i].end)
			}
			problems[fmt.Sprintf("file %s changed%s: sha256:%s, signed sha256:%s", display(common[i].file), what, r.Digest, signed[r.Name])] = true
		}
	}
	return sortedKeys(problems), nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
