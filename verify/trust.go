package verify

import (
	"fmt"
	"regexp"

	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Trust says whose signatures count: public keys, keyless identities, or
// both. A signature or attestation by anyone else is reported and counts
// for nothing.
type Trust struct {
	Keys []Key
	// Identities are keyless signers (Fulcio certificates); they need
	// TrustedMaterial.
	Identities []Identity
	// TrustedMaterial holds the Fulcio CAs, Rekor keys, timestamp
	// authorities and CT logs of a Sigstore deployment (e.g. from a
	// trusted_root.json with root.NewTrustedRootFromPath).
	TrustedMaterial root.TrustedMaterial
}

// Key is a trusted public key and the name reported for its signatures
// (when empty: "key sha256:" and the start of the key's fingerprint).
type Key struct {
	Name     string
	Verifier signature.Verifier
}

// Identity is a keyless signer: the certificate's subject (an e-mail or a
// URI) and the OIDC issuer that vouched for it. Regular expressions match
// the whole value. Exactly one of Subject and SubjectRegexp, and one of
// Issuer and IssuerRegexp, must be set: empty is a configuration error,
// never "anyone".
type Identity struct {
	Subject       string
	SubjectRegexp string
	Issuer        string
	IssuerRegexp  string
}

// String names the identity in reports.
func (id Identity) String() string {
	s, i := id.Subject, id.Issuer
	if s == "" {
		s = "~" + id.SubjectRegexp
	}
	if i == "" {
		i = "~" + id.IssuerRegexp
	}
	return s + " (" + i + ")"
}

// anchor makes a regular expression match the whole string.
func anchor(re string) (string, error) {
	if re == "" {
		return "", nil
	}
	a := "^(?:" + re + ")$"
	if _, err := regexp.Compile(a); err != nil {
		return "", fmt.Errorf("%w: bad regular expression %q: %w", ErrConfig, re, err)
	}
	return a, nil
}

// certificateIdentity is the sigstore-go identity, with anchored regexps.
// CertificateIdentity is the sigstore-go policy of id, with its regular
// expressions anchored (for other verifiers of keyless signatures).
func (id Identity) CertificateIdentity() (sgverify.CertificateIdentity, error) {
	return id.certificateIdentity()
}

func (id Identity) certificateIdentity() (sgverify.CertificateIdentity, error) {
	if (id.Subject == "") == (id.SubjectRegexp == "") {
		return sgverify.CertificateIdentity{}, fmt.Errorf("%w: a keyless identity needs exactly one of a subject and a subject regexp (got %q, %q)", ErrConfig, id.Subject, id.SubjectRegexp)
	}
	if (id.Issuer == "") == (id.IssuerRegexp == "") {
		return sgverify.CertificateIdentity{}, fmt.Errorf("%w: a keyless identity needs exactly one of an OIDC issuer and an issuer regexp (got %q, %q)", ErrConfig, id.Issuer, id.IssuerRegexp)
	}
	sre, err := anchor(id.SubjectRegexp)
	if err != nil {
		return sgverify.CertificateIdentity{}, err
	}
	ire, err := anchor(id.IssuerRegexp)
	if err != nil {
		return sgverify.CertificateIdentity{}, err
	}
	ci, err := sgverify.NewShortCertificateIdentity(id.Issuer, ire, id.Subject, sre)
	if err != nil {
		return sgverify.CertificateIdentity{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return ci, nil
}

func (t Trust) validate() ([]sgverify.CertificateIdentity, error) {
	if len(t.Keys) == 0 && len(t.Identities) == 0 {
		return nil, fmt.Errorf("%w: no trusted key or identity", ErrConfig)
	}
	for i, k := range t.Keys {
		if k.Verifier == nil {
			return nil, fmt.Errorf("%w: trusted key %d (%s) has no verifier", ErrConfig, i, k.Name)
		}
	}
	var ids []sgverify.CertificateIdentity
	for _, id := range t.Identities {
		ci, err := id.certificateIdentity()
		if err != nil {
			return nil, err
		}
		ids = append(ids, ci)
	}
	if len(ids) > 0 && t.TrustedMaterial == nil {
		return nil, fmt.Errorf("%w: keyless identities need a Sigstore trusted root", ErrConfig)
	}
	return ids, nil
}
