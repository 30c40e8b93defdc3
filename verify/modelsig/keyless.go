package modelsig

import (
	"errors"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/seed-43c89ce6/aibom/verify"
)

// verifyKeyless checks a keyless (Fulcio certificate) signature with
// sigstore-go: the chain to the trusted Fulcio CA, a signed certificate
// timestamp, a verified transparency-log entry (the reference always logs
// keyless signatures; sigstore-go counts a log entry's integrated time only
// when it verifies the entry), the DSSE signature and the identity (anchored). The statement is read afterwards from the same
// signed bytes.
func verifyKeyless(pb *protobundle.Bundle, t verify.Trust, noSCT bool) (string, error) {
	if pb.GetVerificationMaterial().GetCertificate() == nil && pb.GetVerificationMaterial().GetX509CertificateChain() == nil {
		return "", errors.New("keyless identities are trusted, but the bundle carries no certificate")
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return "", fmt.Errorf("%w: bundle: %w", ErrMalformed, err)
	}
	var popts []sgverify.PolicyOption
	for _, id := range t.Identities {
		ci, err := id.CertificateIdentity()
		if err != nil {
			return "", err
		}
		popts = append(popts, sgverify.WithCertificateIdentity(ci))
	}
	vo := []sgverify.VerifierOption{sgverify.WithTransparencyLog(1), sgverify.WithObserverTimestamps(1)}
	if !noSCT {
		vo = append(vo, sgverify.WithSignedCertificateTimestamps(1))
	}
	v, err := sgverify.NewVerifier(t.TrustedMaterial, vo...)
	if err != nil {
		return "", fmt.Errorf("%w: trusted root: %w", ErrConfig, err)
	}
	res, err := v.Verify(b, sgverify.NewPolicy(sgverify.WithoutArtifactUnsafe(), popts...))
	if err != nil {
		return "", fmt.Errorf("keyless signature does not verify: %w", err)
	}
	name := "keyless"
	if res.Signature != nil && res.Signature.Certificate != nil {
		c := res.Signature.Certificate
		name = c.SubjectAlternativeName + " (" + c.Issuer + ")"
	}
	return name, nil
}
