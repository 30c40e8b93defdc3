package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	intoto "github.com/in-toto/in-toto-golang/in_toto"
	"github.com/sigstore/sigstore/pkg/signature/dsse"
	"github.com/sigstore/sigstore/pkg/signature/payload"

	"github.com/seed-43c89ce6/aibom/oci"
)

// SignOption configures Sign and Attest.
type SignOption func(*signOptions)

type signOptions struct {
	layout   Layout
	rekorURL string
	now      func() time.Time
}

// WithLayout chooses where the signature or attestation is stored.
func WithLayout(l Layout) SignOption { return func(o *signOptions) { o.layout = l } }

// WithTlogUpload records the signature in the Rekor transparency log at
// rekorURL (and so stores a Sigstore bundle, LayoutReferrers). Without it,
// signing with a key contacts no transparency log.
func WithTlogUpload(rekorURL string) SignOption {
	return func(o *signOptions) { o.rekorURL = rekorURL }
}

func (s *Signer) options(opts []SignOption) (signOptions, error) {
	o := signOptions{now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	if s == nil || (s.kp == nil && s.keyless == nil) {
		return o, fmt.Errorf("%w: no signer", ErrConfig)
	}
	if o.layout == LayoutDefault {
		o.layout = LayoutTags
		if s.keyless != nil || o.rekorURL != "" {
			o.layout = LayoutReferrers
		}
	}
	if o.layout == LayoutTags && (s.keyless != nil || o.rekorURL != "") {
		return o, fmt.Errorf("%w: keyless signing and transparency-log upload store Sigstore bundles: use the referrers layout", ErrConfig)
	}
	return o, nil
}

// Resolve resolves ref ("oci://REF" or "REF") to the digest of what it
// names. Sign, Attest and Verify are about that digest only.
func Resolve(ctx context.Context, reg oci.Registry, ref string) (name.Digest, error) {
	return resolve(reg, ref, reg.RemoteOptions(ctx))
}

func resolve(reg oci.Registry, ref string, ropts []remote.Option) (name.Digest, error) {
	r, err := reg.ParseReference(ref)
	if err != nil {
		return name.Digest{}, errors.Join(ErrConfig, err)
	}
	if d, ok := r.(name.Digest); ok {
		return d, nil
	}
	desc, err := remote.Head(r, ropts...)
	if err != nil {
		return name.Digest{}, fmt.Errorf("%w: resolving %s: %w", ErrRegistry, r, err)
	}
	return r.Context().Digest(desc.Digest.String()), nil
}

// Sign signs digest d and stores the signature beside it: a cosign simple
// signing payload in the tag scheme, or a Sigstore bundle whose DSSE
// statement has predicate type PredicateCosignSign as a referrer.
func Sign(ctx context.Context, reg oci.Registry, d name.Digest, s *Signer, opts ...SignOption) error {
	o, err := s.options(opts)
	if err != nil {
		return err
	}
	if o.layout == LayoutReferrers {
		stmt, err := statement(d, PredicateCosignSign, nil)
		if err != nil {
			return err
		}
		return s.writeBundle(ctx, reg, d, PredicateCosignSign, stmt, o)
	}
	body, err := payload.Cosign{Image: d}.MarshalJSON()
	if err != nil {
		return fmt.Errorf("verify: signing payload: %w", err)
	}
	sig, _, err := s.kp.SignData(ctx, body)
	if err != nil {
		return err
	}
	return appendTagLayer(ctx, reg, d, ".sig", body, MediaTypeSimpleSigning, map[string]string{
		annotationSignature: encodeB64(sig),
	})
}

// Attest wraps predicate (JSON) in an in-toto Statement whose subject is d
// and whose predicate type is predicateType, signs it as a DSSE envelope,
// and stores it beside d. The caller decides where the predicate comes from
// (a file, or a BOM generated for the artifact).
func Attest(ctx context.Context, reg oci.Registry, d name.Digest, s *Signer, predicateType string, predicate []byte, opts ...SignOption) error {
	o, err := s.options(opts)
	if err != nil {
		return err
	}
	if predicateType == "" || predicateType == PredicateCosignSign {
		return fmt.Errorf("%w: predicate type %q cannot be attested", ErrConfig, predicateType)
	}
	if !json.Valid(predicate) {
		return fmt.Errorf("%w: the %s predicate is not JSON", ErrConfig, predicateType)
	}
	stmt, err := statement(d, predicateType, predicate)
	if err != nil {
		return err
	}
	if o.layout == LayoutReferrers {
		return s.writeBundle(ctx, reg, d, predicateType, stmt, o)
	}
	env, err := dsse.WrapSigner(s.kp.sv, PayloadTypeInToto).SignMessage(strings.NewReader(string(stmt)))
	if err != nil {
		return errors.Join(ErrKey, err)
	}
	return appendTagLayer(ctx, reg, d, ".att", env, MediaTypeDSSE, map[string]string{
		annotationSignature: "",
		annotationPredicate: predicateType,
	})
}

// statement is the in-toto Statement (v0.1, as cosign writes it) about d.
func statement(d name.Digest, predicateType string, predicate []byte) ([]byte, error) {
	alg, hex, ok := strings.Cut(d.DigestStr(), ":")
	if !ok {
		return nil, fmt.Errorf("%w: bad digest %q", ErrConfig, d.DigestStr())
	}
	st := intoto.Statement{
		StatementHeader: intoto.StatementHeader{
			Type:          intoto.StatementInTotoV01,
			PredicateType: predicateType,
			Subject:       []intoto.Subject{{Name: d.Context().Name(), Digest: map[string]string{alg: hex}}},
		},
	}
	if predicate != nil {
		st.Predicate = json.RawMessage(predicate)
	} else {
		st.Predicate = map[string]any{}
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("verify: statement: %w", err)
	}
	return b, nil
}
