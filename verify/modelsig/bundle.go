package modelsig

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/seed-43c89ce6/aibom/verify"
	"github.com/seed-43c89ce6/aibom/verify/internal/omsbundle"
)

// MediaTypeBundleV03 is the bundle media type the reference writes (v0.3);
// parseBundle also reads its other spelling.
const MediaTypeBundleV03 = omsbundle.MediaTypeV03

// parseBundle reads a Sigstore bundle that holds a DSSE envelope with exactly
// one signature over an in-toto payload (omsbundle.Parse).
func parseBundle(b []byte) (*protobundle.Bundle, *protodsse.Envelope, error) {
	return omsbundle.Parse(b)
}

// pae is DSSE's pre-authentication encoding.
func pae(payloadType string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload)
}

// legacyPAE is the pre-authentication encoding that model_signing 0.2 signed:
// "DSSEV1" and the payload as Python's repr of a bytes object. Its prefix
// differs from DSSE's, so a signature of one is never one of the other.
func legacyPAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "DSSEV1 %d %s %d b", len(payloadType), payloadType, len(payload))
	quote := byte('\'')
	if bytes.IndexByte(payload, '\'') >= 0 && bytes.IndexByte(payload, '"') < 0 {
		quote = '"'
	}
	b.WriteByte(quote)
	for _, c := range payload {
		switch {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
	return b.Bytes()
}

// signedMessage is what a signature may cover: DSSE's PAE, or the legacy
// encoding of model_signing 0.2 (legacy true).
type signedMessage struct {
	msg    []byte
	legacy bool
}

func signedMessages(payloadType string, payload []byte) []signedMessage {
	return []signedMessage{{msg: pae(payloadType, payload)}, {msg: legacyPAE(payloadType, payload), legacy: true}}
}

// verifyWithKey checks sig over one of msgs with pub, hashing as the
// reference does for the key's type (SHA-384 for P-384, ...) or with SHA-256
// (model_signing before 0.3 always did), and reports which message.
func verifyWithKey(pub crypto.PublicKey, sig []byte, msgs []signedMessage) (signedMessage, bool) {
	var vs []signature.Verifier
	if dv, err := signature.LoadDefaultVerifier(pub); err == nil {
		vs = append(vs, dv)
	}
	if v, err := signature.LoadVerifier(pub, crypto.SHA256); err == nil {
		vs = append(vs, v)
	}
	for _, m := range msgs {
		for _, v := range vs {
			if v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(m.msg)) == nil {
				return m, true
			}
		}
	}
	return signedMessage{}, false
}

func keyName(k verify.Key, pub crypto.PublicKey) string {
	if k.Name != "" {
		return k.Name
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "key"
	}
	sum := sha256.Sum256(der)
	return "key sha256:" + hex.EncodeToString(sum[:])[:16]
}

// verifyKeys returns the name of the first trusted key that signed one of
// msgs, and which.
func verifyKeys(keys []verify.Key, sig []byte, msgs []signedMessage) (string, signedMessage, bool) {
	for _, k := range keys {
		pub, err := k.Verifier.PublicKey()
		if err != nil {
			continue
		}
		if m, ok := verifyWithKey(pub, sig, msgs); ok {
			return keyName(k, pub), m, true
		}
	}
	return "", signedMessage{}, false
}

// bundleCertificates returns the leaf and the intermediates that the bundle
// carries.
func bundleCertificates(pb *protobundle.Bundle, lim Limits) (*x509.Certificate, []*x509.Certificate, error) {
	vm := pb.GetVerificationMaterial()
	var raws [][]byte
	switch {
	case vm.GetX509CertificateChain() != nil:
		for _, c := range vm.GetX509CertificateChain().GetCertificates() {
			raws = append(raws, c.GetRawBytes())
		}
	case vm.GetCertificate() != nil:
		raws = append(raws, vm.GetCertificate().GetRawBytes())
	default:
		return nil, nil, fmt.Errorf("%w: the bundle carries no certificate", ErrMalformed)
	}
	if len(raws) == 0 || len(raws) > lim.MaxCertificates {
		return nil, nil, fmt.Errorf("%w: %d certificates in the bundle", ErrMalformed, len(raws))
	}
	certs := make([]*x509.Certificate, len(raws))
	for i, raw := range raws {
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: certificate %d of the bundle: %w", ErrMalformed, i, err)
		}
		certs[i] = c
	}
	return certs[0], certs[1:], nil
}

// verifyChain checks that the bundle's leaf certificate chains to one of
// roots for code signing and that its key signed msg.
func verifyChain(pb *protobundle.Bundle, roots []*x509.Certificate, lim Limits, now time.Time, sig []byte, msgs []signedMessage) (string, signedMessage, error) {
	leaf, inter, err := bundleCertificates(pb, lim)
	if err != nil {
		return "", signedMessage{}, err
	}
	rp, ip := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range roots {
		rp.AddCert(c)
	}
	for _, c := range inter {
		ip.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{
		Roots: rp, Intermediates: ip, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	})
	if err != nil {
		return "", signedMessage{}, fmt.Errorf("certificate %q does not chain to the trusted certificates: %w", leaf.Subject, err)
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return "", signedMessage{}, fmt.Errorf("certificate %q is not for digital signatures", leaf.Subject)
	}
	m, ok := verifyWithKey(leaf.PublicKey, sig, msgs)
	if !ok {
		return "", signedMessage{}, fmt.Errorf("the signature does not verify with the key of certificate %q", leaf.Subject)
	}
	return certName(leaf), m, nil
}

func certName(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	var b strings.Builder
	fmt.Fprintf(&b, "certificate %s (issuer %s, sha256:%s)", c.Subject, c.Issuer, hex.EncodeToString(sum[:])[:16])
	return b.String()
}
