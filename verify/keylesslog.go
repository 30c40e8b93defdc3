package verify

import (
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
)

// keylessLoggedVerifier verifies keyless Sigstore bundles that carry a
// transparency-log entry (what Fulcio + Rekor signing without a timestamp
// authority makes: aibom's and cosign's keyless bundles): the entry must
// verify against the trusted root's Rekor keys, and its integrated time,
// or a signed timestamp, is when the certificate must have been valid.
// Without a verified entry sigstore-go counts no integrated time, and such
// bundles could never verify.
func keylessLoggedVerifier(tm root.TrustedMaterial, noSCT bool) (*sgverify.Verifier, error) {
	return loggedVerifier(tm, noSCT, sgverify.WithObserverTimestamps(1))
}

// loggedVerifier verifies keyless signatures whose transparency-log entry
// must verify, with when saying which verified time proves the certificate
// was valid, and certificate-transparency proof unless noSCT.
func loggedVerifier(tm root.TrustedMaterial, noSCT bool, when sgverify.VerifierOption) (*sgverify.Verifier, error) {
	vo := []sgverify.VerifierOption{sgverify.WithTransparencyLog(1), when}
	if !noSCT {
		vo = append(vo, sgverify.WithSignedCertificateTimestamps(1))
	}
	v, err := sgverify.NewVerifier(tm, vo...)
	if err != nil {
		return nil, fmt.Errorf("%w: trusted root: %w", ErrConfig, err)
	}
	return v, nil
}

// keylessFor chooses the verifier of a keyless bundle: one that carries a
// log entry (or any bundle, when a log is required) has its entry
// verified; one without needs a signed timestamp.
func (v *Verifier) keylessFor(e sgverify.SignedEntity) *sgverify.Verifier {
	if v.keylessLogged == nil {
		return v.keyless
	}
	entries, err := e.TlogEntries()
	if v.requireTlog || err != nil || len(entries) > 0 {
		// An entry that is there must verify: malformed means no.
		return v.keylessLogged
	}
	return v.keyless
}

// noLogEntry reports a keyless tag-layout signature without a Rekor bundle
// annotation (cosign sign --certificate ... --tlog-upload=false): nothing
// proves when the certificate signed, so it never counts.
func (c *checker) noLogEntry(where string) {
	c.problem("%s: keyless signature does not verify: it has no transparency-log entry (no %s annotation), "+
		"and a certificate counts only with a log entry of the trusted root that proves it signed while it was valid; "+
		"sign with the transparency log (cosign sign --tlog-upload=true)", where, annotationBundle)
}
