package verify

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
)

// annotationBundle is cosign's Rekor bundle annotation on a tag-layout
// signature or attestation layer: the log entry and its signed entry
// timestamp (SET).
const annotationBundle = "dev.sigstore.cosign/bundle"

// maxChainCerts bounds the certificates of a chain annotation.
const maxChainCerts = 10

// rekorBundle is the JSON of annotationBundle, as cosign v2 writes it.
type rekorBundle struct {
	SignedEntryTimestamp []byte `json:"SignedEntryTimestamp"` // base64 in the JSON
	Payload              struct {
		Body           string `json:"body"` // base64 of the canonicalized entry
		IntegratedTime int64  `json:"integratedTime"`
		LogIndex       int64  `json:"logIndex"`
		LogID          string `json:"logID"` // hex
	} `json:"Payload"`
}

// tagLayer is what a cosign tag-layout layer carries, in the annotations
// and the blob: the signature (a raw signature over a simple-signing
// payload, or a DSSE envelope), the certificate and chain of a keyless
// signature, and the Rekor bundle.
type tagLayer struct {
	payload  []byte              // simple signing: the signed payload
	sig      []byte              // simple signing: the signature
	envelope *protodsse.Envelope // attestation: the DSSE envelope
	certs    []*x509.Certificate // keyless: leaf first
	rekor    *rekorBundle
}

// parseTagAnnotations reads the certificate, chain and Rekor bundle
// annotations; all malformed values are errors, never skipped.
func parseTagAnnotations(ann map[string]string) ([]*x509.Certificate, *rekorBundle, error) {
	var certs []*x509.Certificate
	if p, ok := ann[annotationCertificate]; ok {
		cs, err := parsePEMCerts(p, 1)
		if err != nil || len(cs) != 1 {
			return nil, nil, fmt.Errorf("certificate annotation: %w", errors.Join(err, errors.New("want one PEM certificate")))
		}
		certs = cs
		if ch, ok := ann[annotationChain]; ok {
			rest, err := parsePEMCerts(ch, maxChainCerts)
			if err != nil {
				return nil, nil, fmt.Errorf("chain annotation: %w", err)
			}
			certs = append(certs, rest...)
		}
	}
	var rb *rekorBundle
	if b, ok := ann[annotationBundle]; ok {
		rb = &rekorBundle{}
		if err := json.Unmarshal([]byte(b), rb); err != nil {
			return nil, nil, fmt.Errorf("bundle annotation: %w", err)
		}
		if len(rb.SignedEntryTimestamp) == 0 || rb.Payload.Body == "" || rb.Payload.LogID == "" {
			return nil, nil, errors.New("bundle annotation: no signed entry timestamp, body or log ID")
		}
	}
	return certs, rb, nil
}

func parsePEMCerts(s string, limit int) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q, not a certificate", b.Type)
		}
		if len(out) >= limit {
			return nil, fmt.Errorf("more than %d certificates", limit)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("trailing data after the PEM certificates")
	}
	return out, nil
}

// entity turns a tag-layout layer into a Sigstore bundle (v0.1: the
// version whose log entries carry a SET and need no inclusion proof), so
// that sigstore-go verifies the certificate chain, the SCT, the SET and
// that the log entry is for this very signature, key or certificate, and
// payload.
func (t *tagLayer) entity() (*bundle.Bundle, error) {
	vm := &protobundle.VerificationMaterial{}
	if len(t.certs) > 0 {
		var cs []*protocommon.X509Certificate
		for _, c := range t.certs {
			cs = append(cs, &protocommon.X509Certificate{RawBytes: c.Raw})
		}
		vm.Content = &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: &protocommon.X509CertificateChain{Certificates: cs}}
	} else {
		vm.Content = &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{}}
	}
	if t.rekor != nil {
		tle, err := t.rekor.entry()
		if err != nil {
			return nil, err
		}
		vm.TlogEntries = []*protorekor.TransparencyLogEntry{tle}
	}
	pb := &protobundle.Bundle{MediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1", VerificationMaterial: vm}
	if t.envelope != nil {
		pb.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: t.envelope}
	} else {
		sum := sha256.Sum256(t.payload)
		pb.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: sum[:]},
			Signature:     t.sig,
		}}
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, fmt.Errorf("signature, certificate and log entry do not verify together: %w", err)
	}
	return b, nil
}

// entry is the Rekor bundle as a transparency-log entry, its kind and
// version read from the canonicalized body.
func (rb *rekorBundle) entry() (*protorekor.TransparencyLogEntry, error) {
	body, err := base64.StdEncoding.DecodeString(rb.Payload.Body)
	if err != nil {
		return nil, errors.New("bundle annotation: body is not base64")
	}
	logID, err := hex.DecodeString(rb.Payload.LogID)
	if err != nil {
		return nil, errors.New("bundle annotation: log ID is not hex")
	}
	var kv struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(body, &kv); err != nil || kv.Kind == "" || kv.APIVersion == "" {
		return nil, errors.New("bundle annotation: the log entry body has no kind or version")
	}
	return &protorekor.TransparencyLogEntry{
		LogIndex:          rb.Payload.LogIndex,
		LogId:             &protocommon.LogId{KeyId: logID},
		KindVersion:       &protorekor.KindVersion{Kind: kv.Kind, Version: kv.APIVersion},
		IntegratedTime:    rb.Payload.IntegratedTime,
		InclusionPromise:  &protorekor.InclusionPromise{SignedEntryTimestamp: rb.SignedEntryTimestamp},
		CanonicalizedBody: body,
	}, nil
}

// keyTlogVerifier verifies key signatures with their transparency-log
// entries: the trusted root's Rekor keys, and k as the only signing key
// (whatever hint the bundle gives).
func keyTlogVerifier(tm root.TrustedMaterial, k Key) (*sgverify.Verifier, error) {
	keys := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(k.Verifier, time.Time{}, time.Time{}), nil
	})
	v, err := sgverify.NewVerifier(root.TrustedMaterialCollection{tm, keys}, sgverify.WithTransparencyLog(1), sgverify.WithIntegratedTimestamps(1))
	if err != nil {
		return nil, fmt.Errorf("%w: trusted root: %w", ErrConfig, err)
	}
	return v, nil
}

// verifyKeyTlog returns the name of the trusted key whose signature of the
// entity verifies together with its transparency-log entry; artifact is the
// signed payload of a message signature (nil for a DSSE envelope, whose
// statement is checked by the caller).
func (c *checker) verifyKeyTlog(e sgverify.SignedEntity, artifact []byte) (string, error) {
	var errs []error
	for i, k := range c.v.trust.Keys {
		v := c.v.keyTlog[i]
		popt := sgverify.WithoutArtifactUnsafe()
		if artifact != nil {
			popt = sgverify.WithArtifact(bytes.NewReader(artifact))
		}
		if _, err := v.Verify(e, sgverify.NewPolicy(popt, sgverify.WithKey())); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k.Name, err))
			continue
		}
		return k.Name, nil
	}
	return "", errors.Join(errs...)
}

// tagKeylessVerifier verifies cosign's keyless tag-layout signatures: they
// always carry a Rekor bundle, whose verified integrated time is when the
// certificate must have been valid.
func tagKeylessVerifier(tm root.TrustedMaterial, noSCT bool) (*sgverify.Verifier, error) {
	return loggedVerifier(tm, noSCT, sgverify.WithIntegratedTimestamps(1))
}
