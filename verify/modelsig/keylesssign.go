package modelsig

import (
	"context"
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/seed-43c89ce6/aibom/verify"
)

// Sigstore is how a keyless Signer signs: Fulcio (or another certificate
// provider) certifies the keypair for the identity of an OIDC token, and the
// signature is recorded in transparency logs, as the reference's keyless
// signing does (its bundles always carry a Rekor entry).
type Sigstore struct {
	// Keypair signs; nil makes an ephemeral ECDSA P-256 key per signature.
	Keypair sign.Keypair
	// CertificateProvider certifies the keypair (sign.NewFulcio).
	CertificateProvider sign.CertificateProvider
	// CertificateProviderOptions carry the OIDC identity token.
	CertificateProviderOptions *sign.CertificateProviderOptions
	// TransparencyLogs record the signature (sign.NewRekor); at least one.
	TransparencyLogs []sign.Transparency
}

// NewKeylessSigner signs keyless with the public (or a private) Sigstore
// deployment at k's Fulcio and Rekor URLs, with the identity of k.IDToken:
// the flags of `aibom sign --identity-token`, shared with OCI signing.
func NewKeylessSigner(k verify.Keyless) (*Signer, error) {
	if _, err := verify.NewKeylessSigner(k); err != nil {
		return nil, err // the same checks as OCI keyless signing
	}
	return NewSigstoreSigner(Sigstore{
		CertificateProvider:        sign.NewFulcio(&sign.FulcioOptions{BaseURL: k.FulcioURL}),
		CertificateProviderOptions: &sign.CertificateProviderOptions{IDToken: k.IDToken},
		TransparencyLogs:           []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: k.RekorURL})},
	})
}

// NewSigstoreSigner signs keyless with the given Sigstore services (for
// private deployments and tests).
func NewSigstoreSigner(s Sigstore) (*Signer, error) {
	if s.CertificateProvider == nil {
		return nil, fmt.Errorf("%w: keyless signing needs a certificate provider (Fulcio)", ErrConfig)
	}
	if len(s.TransparencyLogs) == 0 {
		return nil, fmt.Errorf("%w: keyless signing needs a transparency log (Rekor): verifiers require its entry", ErrConfig)
	}
	return &Signer{sigstore: &s}, nil
}

// keylessBundle signs payload into a Sigstore bundle v0.3 with a
// certificate and transparency-log entries.
func (s *Signer) keylessBundle(ctx context.Context, payload []byte) ([]byte, error) {
	kp := s.sigstore.Keypair
	if kp == nil {
		ekp, err := sign.NewEphemeralKeypair(nil)
		if err != nil {
			return nil, fmt.Errorf("%w: ephemeral key: %w", verify.ErrKey, err)
		}
		kp = ekp
	}
	pb, err := sign.Bundle(&sign.DSSEData{Data: payload, PayloadType: verify.PayloadTypeInToto}, kp, sign.BundleOptions{
		Context:                    ctx,
		CertificateProvider:        s.sigstore.CertificateProvider,
		CertificateProviderOptions: s.sigstore.CertificateProviderOptions,
		TransparencyLogs:           s.sigstore.TransparencyLogs,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: keyless signing: %w", verify.ErrKey, err)
	}
	b, err := protojson.Marshal(pb)
	if err != nil {
		return nil, fmt.Errorf("encoding the bundle: %w", err)
	}
	return b, nil
}
