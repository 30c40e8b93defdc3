package modelsig

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
)

// Claim is what a signature file says about itself, before (or without)
// verification: nothing in it is trusted.
type Claim struct {
	// PredicateType of the statement the bundle carries.
	PredicateType string `json:"predicateType"`
	// Signer as the bundle names it: "key hint <hex>" for a key signature
	// (the SHA-256 of the public key, as aibom and the reference write it),
	// the certificate's subject alternative name and issuer for a keyless
	// signature, or the certificate's subject and fingerprint.
	Signer string `json:"signer"`
	// Files is the number of resources the statement lists.
	Files int `json:"files"`
}

// Inspect reads a model.sig without verifying it: what it claims to sign
// and who it says signed it. Use Verify to know whether it holds; a
// malformed signature is ErrMalformed (or ErrTooLarge) with the reason.
func Inspect(raw []byte, lim Limits) (*Claim, error) {
	if int64(len(raw)) > lim.MaxSignatureBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(raw), lim.MaxSignatureBytes)
	}
	pb, env, err := parseBundle(raw)
	if err != nil {
		return nil, err
	}
	m, err := parseStatement(env.GetPayload(), lim)
	if err != nil {
		return nil, err
	}
	c := &Claim{PredicateType: m.PredicateType, Files: len(m.Resources)}
	vm := pb.GetVerificationMaterial()
	switch {
	case vm.GetPublicKey() != nil:
		c.Signer = "key hint " + vm.GetPublicKey().GetHint()
	case vm.GetCertificate() != nil || vm.GetX509CertificateChain() != nil:
		leaf, _, err := bundleCertificates(pb, lim)
		if err != nil {
			return nil, err
		}
		c.Signer = claimedIdentity(leaf)
	default:
		c.Signer = "unknown (no key hint or certificate)"
	}
	return c, nil
}

// claimedIdentity names a certificate: a Fulcio certificate by its subject
// alternative name and OIDC issuer, any other by certName.
func claimedIdentity(c *x509.Certificate) string {
	san := ""
	switch {
	case len(c.EmailAddresses) > 0:
		san = c.EmailAddresses[0]
	case len(c.URIs) > 0:
		san = c.URIs[0].String()
	}
	if san == "" {
		return certName(c)
	}
	iss := ""
	for _, e := range c.Extensions {
		// Fulcio's OIDC issuer (v2 extension, then v1).
		if e.Id.Equal(oidIssuerV2) || (iss == "" && e.Id.Equal(oidIssuerV1)) {
			iss = issuerValue(e.Value, e.Id.Equal(oidIssuerV2))
		}
	}
	if iss == "" {
		return san
	}
	return san + " (" + iss + ")"
}

var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

// issuerValue decodes Fulcio's issuer extension: a DER UTF8String (v2) or
// the raw string (v1).
func issuerValue(b []byte, der bool) string {
	if !der {
		return string(b)
	}
	var s string
	if _, err := asn1.UnmarshalWithParams(b, &s, "utf8"); err != nil {
		return ""
	}
	return s
}
