package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
func itoa(i int) string                  { return strconv.Itoa(i) }

// check dispatches on the layer's media type. The media type only chooses
// the parser: whether it is a signature or an attestation is decided by
// the signed content.
func (c *checker) check(ctx context.Context, l layer) {
	switch string(l.desc.MediaType) {
	case MediaTypeSimpleSigning:
		c.checkSimpleSigning(ctx, l)
	case MediaTypeDSSE, PayloadTypeInToto:
		c.checkEnvelopeLayer(ctx, l)
	case MediaTypeBundle, mediaTypeBundleAlt, mediaTypeBundleV02:
		c.checkBundle(ctx, l)
	default:
		c.problem("%s: media type %q is not a signature, envelope or bundle: ignored", l.where, l.desc.MediaType)
	}
}

// checkSimpleSigning checks a cosign simple-signing signature: by a
// trusted key (offline, or with its Rekor bundle when a transparency log is
// required) or keyless (certificate and chain annotations, with the Rekor
// bundle), over a payload whose signed image digest is ours.
func (c *checker) checkSimpleSigning(ctx context.Context, l layer) {
	certs, rb, err := parseTagAnnotations(l.desc.Annotations)
	if err != nil {
		c.problem("%s: malformed %v", l.where, err)
		return
	}
	b64, ok := l.desc.Annotations[annotationSignature]
	if !ok {
		c.problem("%s: no signature annotation", l.where)
		return
	}
	sig, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(sig) == 0 {
		c.problem("%s: malformed signature (bad base64)", l.where)
		return
	}
	body, ok := c.blob(l)
	if !ok {
		return
	}
	key, ok := c.tagSigner(ctx, l.where, &tagLayer{payload: body, sig: sig, certs: certs, rekor: rb})
	if !ok {
		return
	}
	var p struct {
		Critical struct {
			Image struct {
				Digest string `json:"docker-manifest-digest"`
			} `json:"image"`
			Type string `json:"type"`
		} `json:"critical"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		c.problem("%s: signed payload is not JSON: %v", l.where, err)
		return
	}
	if p.Critical.Type != "cosign container image signature" {
		c.problem("%s: signed payload has type %q, not a cosign image signature", l.where, p.Critical.Type)
		return
	}
	if p.Critical.Image.Digest != c.d.DigestStr() {
		c.problem("%s: signature by %s is for %s, not %s", l.where, key, p.Critical.Image.Digest, c.d.DigestStr())
		return
	}
	c.res.Verified.Signature = true
	c.signer(key)
}

// tagSigner verifies a simple-signing signature and names its signer.
func (c *checker) tagSigner(ctx context.Context, where string, t *tagLayer) (string, bool) {
	switch {
	case len(t.certs) > 0:
		return c.tagKeyless(where, t)
	case c.v.requireTlog:
		if t.rekor == nil {
			c.problem("%s: key signature without a transparency-log entry (no %s annotation), and one is required", where, annotationBundle)
			return "", false
		}
		e, err := t.entity()
		if err != nil {
			c.problem("%s: %v", where, err)
			return "", false
		}
		key, err := c.verifyKeyTlog(e, t.payload)
		if err != nil {
			c.problem("%s: no trusted key signature with a verified transparency-log entry: %v", where, err)
			return "", false
		}
		return key, true
	}
	key, ok := c.verifyRaw(ctx, t.sig, t.payload)
	if !ok {
		c.problem("%s: signature by no trusted key", where)
	}
	return key, ok
}

// tagKeyless verifies a keyless tag-layout signature (cosign v2's
// certificate, chain and Rekor bundle annotations) with sigstore-go: the
// chain to the trusted Fulcio CA at the log's integrated time, the SCT, the
// SET, that the log entry is for this signature and certificate, and the
// identity (anchored).
func (c *checker) tagKeyless(where string, t *tagLayer) (string, bool) {
	if c.v.keyless == nil || len(c.v.ids) == 0 {
		c.problem("%s: keyless signature, but no keyless identity is trusted", where)
		return "", false
	}
	if t.rekor == nil {
		c.noLogEntry(where)
		return "", false
	}
	e, err := t.entity()
	if err != nil {
		c.problem("%s: %v", where, err)
		return "", false
	}
	var popts []sgverify.PolicyOption
	for _, id := range c.v.ids {
		popts = append(popts, sgverify.WithCertificateIdentity(id))
	}
	res, err := c.v.keylessTag.Verify(e, sgverify.NewPolicy(sgverify.WithArtifact(bytes.NewReader(t.payload)), popts...))
	if err != nil {
		c.problem("%s: keyless signature does not verify: %v", where, err)
		return "", false
	}
	return certSigner(res), true
}

// verifyRaw returns the name of the first trusted key that signed msg.
func (c *checker) verifyRaw(ctx context.Context, sig, msg []byte) (string, bool) {
	for _, k := range c.v.trust.Keys {
		if k.Verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(msg), signatureContext(ctx)...) == nil {
			return k.Name, true
		}
	}
	return "", false
}

// envelope is a DSSE envelope.
type envelope struct {
	PayloadType string `json:"payloadType"`
	Payload     string `json:"payload"`
	Signatures  []struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	} `json:"signatures"`
}

// pae is DSSE's pre-authentication encoding.
func pae(payloadType string, payload []byte) []byte {
	return []byte(fmt.Sprintf("DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload))
}

func (c *checker) checkEnvelopeLayer(ctx context.Context, l layer) {
	certs, rb, err := parseTagAnnotations(l.desc.Annotations)
	if err != nil {
		c.problem("%s: malformed %v", l.where, err)
		return
	}
	body, ok := c.blob(l)
	if !ok {
		return
	}
	if len(certs) > 0 || c.v.requireTlog {
		// Keyless, or a transparency log is required: the envelope, the
		// certificate and the log entry are verified together.
		var env protodsse.Envelope
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(body, &env); err != nil {
			c.problem("%s: malformed DSSE envelope: %v", l.where, err)
			return
		}
		e, err := (&tagLayer{envelope: &env, certs: certs, rekor: rb}).entity()
		if err != nil {
			c.problem("%s: %v", l.where, err)
			return
		}
		if len(certs) > 0 {
			// cosign's keyless tag layout: the Rekor bundle's integrated
			// time is the time of signing.
			if c.v.keylessTag == nil || len(c.v.ids) == 0 {
				c.problem("%s: keyless attestation, but no keyless identity is trusted", l.where)
				return
			}
			if rb == nil {
				c.noLogEntry(l.where)
				return
			}
			sc, _ := e.SignatureContent()
			c.checkKeyless(ctx, l.where, e, sc.EnvelopeContent(), c.v.keylessTag)
			return
		}
		c.checkEntity(ctx, l.where, e)
		return
	}
	payload, key, ok := c.openEnvelope(ctx, l.where, body)
	if ok {
		c.statement(ctx, l.where, key, payload)
	}
}

// openEnvelope verifies a DSSE envelope with the trusted keys and returns
// its payload and the key that signed it.
func (c *checker) openEnvelope(ctx context.Context, where string, body []byte) ([]byte, string, bool) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		c.problem("%s: malformed DSSE envelope: %v", where, err)
		return nil, "", false
	}
	if env.PayloadType != PayloadTypeInToto {
		c.problem("%s: DSSE payload type %q, not %q", where, env.PayloadType, PayloadTypeInToto)
		return nil, "", false
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		c.problem("%s: malformed DSSE payload (bad base64)", where)
		return nil, "", false
	}
	msg := pae(env.PayloadType, payload)
	for i, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil || len(sig) == 0 {
			c.problem("%s: DSSE signature %d: malformed (bad base64)", where, i)
			continue
		}
		if key, ok := c.verifyRaw(ctx, sig, msg); ok {
			return payload, key, true
		}
	}
	c.problem("%s: attestation signed by no trusted key", where)
	return nil, "", false
}

// statement checks a verified in-toto Statement: its subject must be our
// digest, and its signed predicate type decides what it attests.
func (c *checker) statement(ctx context.Context, where, signer string, payload []byte) {
	var st struct {
		Type    string `json:"_type"`
		Subject []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		PredicateType string          `json:"predicateType"`
		Predicate     json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		c.problem("%s: signed statement is not JSON: %v", where, err)
		return
	}
	if st.Type != "https://in-toto.io/Statement/v0.1" && st.Type != "https://in-toto.io/Statement/v1" {
		c.problem("%s: signed payload is not an in-toto Statement (_type %q)", where, st.Type)
		return
	}
	if isModelSigning(st.PredicateType) {
		// Its subject is the model's files, not the manifest: checked
		// against the artifact's layers.
		c.modelSigning(ctx, where, signer, payload)
		return
	}
	alg, want, _ := strings.Cut(c.d.DigestStr(), ":")
	bound := false
	for _, s := range st.Subject {
		if got, ok := s.Digest[alg]; ok && strings.EqualFold(got, want) {
			bound = true
		}
	}
	if !bound {
		c.problem("%s: %s statement by %s is about another subject, not %s", where, st.PredicateType, signer, c.d.DigestStr())
		return
	}
	switch st.PredicateType {
	case PredicateCosignSign:
		c.res.Verified.Signature = true
	case PredicateCycloneDX:
		if !c.bom(where, st.Predicate) {
			return
		}
	case PredicateScanReport:
		if !c.scan(where, st.Predicate) {
			return
		}
	}
	c.signer(signer)
	if st.PredicateType != PredicateCosignSign && !containsStr(c.res.PredicateTypes, st.PredicateType) {
		c.res.PredicateTypes = append(c.res.PredicateTypes, st.PredicateType)
	}
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// keyName names a public key by its SHA-256 fingerprint.
func keyName(v signature.Verifier) string {
	pub, err := v.PublicKey()
	if err != nil {
		return "key"
	}
	der, err := marshalPKIX(pub)
	if err != nil {
		return "key"
	}
	sum := sha256.Sum256(der)
	return "key sha256:" + hex.EncodeToString(sum[:8])
}
