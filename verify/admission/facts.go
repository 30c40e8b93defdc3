package admission

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
)

// KeyFingerprint is "sha256:" and the hex SHA-256 of pub's DER (PKIX)
// encoding: the policies' keyFingerprint. Name a verify.Key with it so that
// policies can tell which key signed.
func KeyFingerprint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("admission: public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Facts turns what the verifier established about one digest into the
// policy input. Signer names of the form "sha256:<hex>" (see KeyFingerprint)
// are key fingerprints; any other name is a certificate subject. The
// verifier reports who signed, not which signer made which attestation: each
// attestation is credited to the first signer. Signing times come from the
// signed payloads (the BOM's metadata.timestamp).
func Facts(res *verify.Result, ref string, ctx *policies.Context) *policies.Input {
	in := &policies.Input{Reference: ref, Digest: res.Digest, Signers: []policies.Identity{}, Attestations: []policies.Attestation{}, Context: ctx}
	var first *policies.Identity
	for _, s := range res.Signers {
		id := identity(s)
		if first == nil {
			first = &id
		}
		if res.Verified.Signature {
			in.Signers = append(in.Signers, id)
		}
	}
	if res.Verified.Signature {
		in.Attestations = append(in.Attestations, policies.Attestation{Kind: policies.KindSignature, Signer: first, Valid: true, Layout: "tag"})
	}
	if res.Verified.BOM {
		a := policies.Attestation{Kind: policies.KindBOM, PredicateType: verify.PredicateCycloneDX, Signer: first, Valid: true}
		a.SignedAt = payloadTime(res.BOM, "metadata", "timestamp")
		if a.SignedAt != nil {
			a.TimeSource = "payload"
		}
		in.Attestations = append(in.Attestations, a)
		in.BOM = res.BOM
	}
	if res.Verified.Scan {
		a := policies.Attestation{Kind: policies.KindScan, PredicateType: verify.PredicateScanReport, Signer: first, Valid: true}
		if a.SignedAt = payloadTime(res.Scan, "timestamp"); a.SignedAt == nil {
			a.SignedAt = payloadTime(res.BOM, "metadata", "timestamp")
		}
		if a.SignedAt != nil {
			a.TimeSource = "payload"
		}
		in.Attestations = append(in.Attestations, a)
		in.Scan = res.Scan
	}
	if res.Verified.ModelSigning {
		in.Attestations = append(in.Attestations, policies.Attestation{Kind: policies.KindModelSigning,
			PredicateType: verify.PredicateModelSigning, Signer: first, Valid: true, Layout: "referrer"})
	}
	return in
}

func identity(name string) policies.Identity {
	if strings.HasPrefix(name, "sha256:") {
		return policies.Identity{KeyFingerprint: name}
	}
	return policies.Identity{Subject: name}
}

// payloadTime reads an RFC 3339 time at path in a JSON document.
func payloadTime(doc json.RawMessage, path ...string) *time.Time {
	var v any
	if len(doc) == 0 || json.Unmarshal(doc, &v) != nil {
		return nil
	}
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	s, ok := v.(string)
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return &t
}
