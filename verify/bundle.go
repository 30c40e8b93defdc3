package verify

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	signatureoptions "github.com/sigstore/sigstore/pkg/signature/options"
)

func signatureContext(ctx context.Context) []signature.VerifyOption {
	return []signature.VerifyOption{signatureoptions.WithContext(ctx)}
}

func marshalPKIX(pub crypto.PublicKey) ([]byte, error) { return x509.MarshalPKIXPublicKey(pub) }

// checkBundle checks a Sigstore bundle layer.
func (c *checker) checkBundle(ctx context.Context, l layer) {
	body, ok := c.blob(l)
	if !ok {
		return
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(body); err != nil {
		c.problem("%s: malformed Sigstore bundle: %v", l.where, err)
		return
	}
	c.checkEntity(ctx, l.where, &b)
}

// checkEntity checks a signed entity (a bundle): a DSSE envelope signed by
// a trusted key, or by a trusted keyless identity under the trusted root.
func (c *checker) checkEntity(ctx context.Context, where string, e sgverify.SignedEntity) {
	sc, err := e.SignatureContent()
	if err != nil {
		c.problem("%s: bundle without a signature: %v", where, err)
		return
	}
	env := sc.EnvelopeContent()
	if env == nil {
		c.problem("%s: bundle holds a message signature, not a signed statement about %s", where, c.d.DigestStr())
		return
	}
	vc, err := e.VerificationContent()
	if err != nil {
		c.problem("%s: bundle without verification material: %v", where, err)
		return
	}
	if vc.Certificate() == nil && c.v.requireTlog {
		c.checkKeyTlogEntity(ctx, where, e, env)
		return
	}
	if vc.Certificate() == nil {
		raw, err := json.Marshal(env.RawEnvelope())
		if err != nil {
			c.problem("%s: malformed DSSE envelope: %v", where, err)
			return
		}
		if payload, key, ok := c.openEnvelope(ctx, where, raw); ok {
			c.statement(ctx, where, key, payload)
		}
		return
	}
	c.checkKeyless(ctx, where, e, env, c.v.keylessFor(e))
}

// checkKeyless verifies a certificate-signed bundle with sigstore-go: the
// chain to the trusted Fulcio CA, the transparency-log entry or timestamp,
// the identity (anchored), and that the statement's subject is our digest.
func (c *checker) checkKeyless(ctx context.Context, where string, e sgverify.SignedEntity, env sgverify.EnvelopeContent, kv *sgverify.Verifier) {
	if c.v.keyless == nil || len(c.v.ids) == 0 {
		c.problem("%s: keyless signature, but no keyless identity is trusted", where)
		return
	}
	_, hexd, _ := strings.Cut(c.d.DigestStr(), ":")
	if root, ok := modelSigningSubject(env.RawEnvelope().Payload); ok {
		// An OMS statement's subject is the digest of the model's files;
		// its files are compared with the artifact's layers afterwards.
		hexd = root
	}
	dig, err := hex.DecodeString(hexd)
	if err != nil {
		c.problem("%s: bad digest %s", where, c.d.DigestStr())
		return
	}
	var popts []sgverify.PolicyOption
	for _, id := range c.v.ids {
		popts = append(popts, sgverify.WithCertificateIdentity(id))
	}
	res, err := kv.Verify(e, sgverify.NewPolicy(sgverify.WithArtifactDigest("sha256", dig), popts...))
	if err != nil {
		c.problem("%s: keyless signature does not verify: %v", where, err)
		return
	}
	name := certSigner(res)
	payload, err := base64.StdEncoding.DecodeString(env.RawEnvelope().Payload)
	if err != nil {
		c.problem("%s: malformed DSSE payload (bad base64)", where)
		return
	}
	c.statement(ctx, where, name, payload)
}

// certSigner names the signer of a verified keyless signature.
func certSigner(res *sgverify.VerificationResult) string {
	if res != nil && res.Signature != nil && res.Signature.Certificate != nil {
		s := res.Signature.Certificate
		return s.SubjectAlternativeName + " (" + s.Issuer + ")"
	}
	return "keyless"
}

// checkKeyTlogEntity checks a key-signed DSSE bundle when a transparency
// log is required: a trusted key's signature, with a log entry of the
// trusted root for this very envelope and key.
func (c *checker) checkKeyTlogEntity(ctx context.Context, where string, e sgverify.SignedEntity, env sgverify.EnvelopeContent) {
	if env.RawEnvelope().PayloadType != PayloadTypeInToto {
		c.problem("%s: DSSE payload type %q, not %q", where, env.RawEnvelope().PayloadType, PayloadTypeInToto)
		return
	}
	key, err := c.verifyKeyTlog(e, nil)
	if err != nil {
		c.problem("%s: no trusted key signature with a verified transparency-log entry: %v", where, err)
		return
	}
	payload, err := base64.StdEncoding.DecodeString(env.RawEnvelope().Payload)
	if err != nil {
		c.problem("%s: malformed DSSE payload (bad base64)", where)
		return
	}
	c.statement(ctx, where, key, payload)
}
