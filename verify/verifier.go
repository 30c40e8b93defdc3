package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/seed-43c89ce6/aibom/oci"
)

// Require says what must verify. The zero value requires nothing; the
// CLI's default is {Signature: true, BOM: true}.
type Require struct {
	// Signature: a signature of the digest itself by a trusted signer.
	Signature bool
	// BOM: a CycloneDX attestation (PredicateCycloneDX) by a trusted
	// signer whose signed subject is the digest.
	BOM bool
	// Scan: an aibom scan-report attestation (PredicateScanReport), likewise.
	Scan bool
	// ModelSigning: an OpenSSF Model Signing signature (PredicateModelSigning)
	// by a trusted signer whose signed files are exactly the artifact's
	// files: raw layers by their layer digests, tar layers by the hashes of
	// their members.
	ModelSigning bool
}

// ParseRequire parses a comma-separated subset of "signature", "bom",
// "scan" and "model-signing".
func ParseRequire(s string) (Require, error) {
	var r Require
	for _, p := range strings.Split(s, ",") {
		switch strings.TrimSpace(p) {
		case "signature":
			r.Signature = true
		case "bom":
			r.BOM = true
		case "scan":
			r.Scan = true
		case "model-signing":
			r.ModelSigning = true
		default:
			return r, fmt.Errorf("%w: unknown requirement %q (want a comma-separated subset of signature,bom,scan,model-signing)", ErrConfig, p)
		}
	}
	return r, nil
}

// Verified says which checks passed. Its JSON is part of the CLI contract.
type Verified struct {
	Signature bool `json:"signature"`
	BOM       bool `json:"bom"`
	Scan      bool `json:"scan"`
	// ModelSigning: an OMS signature of the artifact's files verified.
	ModelSigning bool `json:"model-signing"`
}

// Result is what Verify found about one digest.
type Result struct {
	// Digest is the only digest every check was about ("sha256:...").
	Digest string
	// Repository is where it was read ("registry/repo").
	Repository string
	Verified   Verified
	// Signers are the trusted keys and identities whose signatures or
	// attestations of Digest verified, without duplicates.
	Signers []string
	// PredicateTypes of the verified attestations, from the signed
	// payloads, without duplicates.
	PredicateTypes []string
	// BOM is the predicate of the first verified CycloneDX attestation
	// (bounded by Limits.MaxBlobBytes), and BOMSummary its summary.
	BOM        json.RawMessage
	BOMSummary *BOMSummary
	// Scan is the predicate of the first verified scan-report
	// attestation, and ScanSummary its summary.
	Scan        json.RawMessage
	ScanSummary *ScanSummary
	// Problems say, for a person, what was found and did not verify:
	// foreign or broken signatures, attestations of other subjects, limits
	// hit, and each requirement that was not met.
	Problems []string
}

// Satisfies reports whether everything req asks for verified.
func (r *Result) Satisfies(req Require) bool {
	return (!req.Signature || r.Verified.Signature) && (!req.BOM || r.Verified.BOM) && (!req.Scan || r.Verified.Scan) &&
		(!req.ModelSigning || r.Verified.ModelSigning)
}

// Verifier verifies artifacts against one trust configuration. It is safe
// for concurrent use; build it once and reuse it (the webhook and the
// registry scan do).
type Verifier struct {
	trust       Trust
	ids         []sgverify.CertificateIdentity
	keyless     *sgverify.Verifier
	reg         oci.Registry
	modelReg    oci.Registry // reg without the response bound: model layers are streamed
	limits      Limits
	requireTlog bool
	noSCT       bool
	keyTlog     []*sgverify.Verifier // per trusted key, with requireTlog
	keylessTag  *sgverify.Verifier   // cosign's keyless tag layout (Rekor bundle)
	// keylessLogged verifies keyless bundles that carry a log entry: the
	// entry is verified, and its integrated time is an observer timestamp.
	keylessLogged *sgverify.Verifier
}

// Option configures a Verifier.
type Option func(*Verifier) error

// WithRegistry says how registries are reached (credentials, --insecure,
// transport).
func WithRegistry(r oci.Registry) Option { return func(v *Verifier) error { v.reg = r; return nil } }

// WithLimits replaces DefaultLimits.
func WithLimits(l Limits) Option {
	return func(v *Verifier) error {
		if l.MaxManifestBytes <= 0 || l.MaxBlobBytes <= 0 || l.MaxLayers <= 0 || l.MaxReferrers <= 0 || l.Timeout <= 0 {
			return fmt.Errorf("%w: every limit must be positive: %+v", ErrConfig, l)
		}
		v.limits = l
		return nil
	}
}

// WithRequireTlog requires every signature to have a verified entry in a
// transparency log of the trusted material. Without it, key signatures are
// verified offline, as cosign's --insecure-ignore-tlog does; keyless
// signatures always need a transparency-log entry or a signed timestamp.
// With it, a key signature counts only with a log entry, verified against
// the trusted root's Rekor keys, for that signature, key and payload: the
// Rekor bundle annotation of cosign's tag layout, or the entry in a
// Sigstore bundle.
func WithRequireTlog() Option { return func(v *Verifier) error { v.requireTlog = true; return nil } }

// WithoutSCTsUnsafe accepts keyless certificates without a signed
// certificate timestamp from a trusted CT log (for private Sigstore
// deployments that run no CT log). Public-good Fulcio certificates always
// carry one, and by default one is required.
func WithoutSCTsUnsafe() Option { return func(v *Verifier) error { v.noSCT = true; return nil } }

// New checks trust and builds a Verifier. A missing or invalid key,
// identity or trusted root is ErrConfig.
func New(trust Trust, opts ...Option) (*Verifier, error) {
	v := &Verifier{trust: trust, limits: DefaultLimits()}
	for _, o := range opts {
		if err := o(v); err != nil {
			return nil, err
		}
	}
	ids, err := trust.validate()
	if err != nil {
		return nil, err
	}
	v.trust.Keys = slices.Clone(trust.Keys)
	for i, k := range v.trust.Keys {
		if k.Name == "" {
			v.trust.Keys[i].Name = keyName(k.Verifier)
		}
	}
	v.ids = ids
	if v.requireTlog && trust.TrustedMaterial == nil {
		return nil, fmt.Errorf("%w: requiring a transparency log needs a Sigstore trusted root", ErrConfig)
	}
	if v.requireTlog {
		// Key signatures then count only with a log entry of the trusted
		// root (Rekor bundle annotation, or the Sigstore bundle's entry).
		for _, k := range v.trust.Keys {
			kv, err := keyTlogVerifier(trust.TrustedMaterial, k)
			if err != nil {
				return nil, err
			}
			v.keyTlog = append(v.keyTlog, kv)
		}
	}
	if trust.TrustedMaterial != nil {
		vo := []sgverify.VerifierOption{sgverify.WithObserverTimestamps(1)}
		if v.requireTlog {
			vo = []sgverify.VerifierOption{sgverify.WithTransparencyLog(1), sgverify.WithObserverTimestamps(1)}
		}
		if !v.noSCT {
			vo = append(vo, sgverify.WithSignedCertificateTimestamps(1))
		}
		if v.keyless, err = sgverify.NewVerifier(trust.TrustedMaterial, vo...); err != nil {
			return nil, fmt.Errorf("%w: trusted root: %w", ErrConfig, err)
		}
		if v.keylessLogged, err = keylessLoggedVerifier(trust.TrustedMaterial, v.noSCT); err != nil {
			return nil, err
		}
		if v.keylessTag, err = tagKeylessVerifier(trust.TrustedMaterial, v.noSCT); err != nil {
			return nil, err
		}
	}
	v.modelReg = v.reg
	base := v.reg.Transport
	if base == nil {
		base = remote.DefaultTransport
	}
	v.reg.Transport = limitTransport{base: base, max: max(v.limits.MaxBlobBytes, v.limits.MaxManifestBytes)}
	return v, nil
}

// Verify resolves ref once and checks what is attached to that digest, in
// both layouts. The error is non-nil only when nothing could be checked
// (a bad reference, the registry unreachable while resolving, the context
// ended); everything else is in the Result, with req's unmet requirements
// among its Problems.
func (v *Verifier) Verify(ctx context.Context, ref string, req Require) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, v.limits.Timeout)
	defer cancel()
	ropts := v.reg.RemoteOptions(ctx)
	p, err := remote.NewPuller(ropts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRegistry, err)
	}
	ropts = append(ropts, remote.Reuse(p))
	d, err := resolve(v.reg, ref, ropts)
	if err != nil {
		return nil, err
	}
	c := &checker{v: v, d: d, ropts: ropts, res: &Result{Digest: d.DigestStr(), Repository: d.Context().Name()}}
	c.collect(ctx)
	if err := ctx.Err(); err != nil {
		c.problem("verification stopped: %v", err)
	}
	c.missing(req)
	return c.res, nil
}

func (c *checker) missing(req Require) {
	r := c.res
	if req.Signature && !r.Verified.Signature {
		c.problem("no valid signature of %s by a trusted signer", r.Digest)
	}
	if req.BOM && !r.Verified.BOM {
		c.problem("no valid %s attestation of %s by a trusted signer", PredicateCycloneDX, r.Digest)
	}
	if req.Scan && !r.Verified.Scan {
		c.problem("no valid %s attestation of %s by a trusted signer", PredicateScanReport, r.Digest)
	}
	if req.ModelSigning && !r.Verified.ModelSigning {
		c.problem("no valid OpenSSF model signature (%s) of the files of %s by a trusted signer", PredicateModelSigning, r.Digest)
	}
}

func (c *checker) problem(format string, args ...any) {
	c.res.Problems = append(c.res.Problems, fmt.Sprintf(format, args...))
}

func (c *checker) signer(name string) {
	if !slices.Contains(c.res.Signers, name) {
		c.res.Signers = append(c.res.Signers, name)
	}
}
