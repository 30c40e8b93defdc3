package verify

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/payload"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// rekorAnnotation is cosign v2's dev.sigstore.cosign/bundle annotation for a
// log entry body, signed by vs's Rekor.
func rekorAnnotation(t testing.TB, vs *ca.VirtualSigstore, body []byte, at int64) string {
	t.Helper()
	logID, err := vs.RekorLogID()
	if err != nil {
		t.Fatal(err)
	}
	p := tlog.RekorPayload{Body: base64.StdEncoding.EncodeToString(body), IntegratedTime: at, LogIndex: 7, LogID: logID}
	set, err := vs.RekorSignPayload(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"SignedEntryTimestamp": set, "Payload": p})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// keylessTagLayer signs the simple-signing payload of signed keyless with
// the virtual Sigstore, and returns the payload and the annotations that
// cosign v2 writes on the .sig layer (signature, certificate, chain, Rekor
// bundle).
func keylessTagLayer(t testing.TB, vs *ca.VirtualSigstore, signed name.Digest, who string) ([]byte, map[string]string) {
	const iss = tagIssuer
	t.Helper()
	body, err := payload.Cosign{Image: signed}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	e, err := vs.Sign(who, iss, body)
	if err != nil {
		t.Fatal(err)
	}
	vc, _ := e.VerificationContent()
	sc, _ := e.SignatureContent()
	tles, _ := e.TlogEntries()
	tle := tles[0].TransparencyLogEntry()
	leaf, err := cryptoutils.MarshalCertificateToPEM(vc.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	fca := vs.FulcioCertificateAuthorities()[0].(*root.FulcioCertificateAuthority)
	chain, err := cryptoutils.MarshalCertificatesToPEM(append(append([]*x509.Certificate{}, fca.Intermediates...), fca.Root))
	if err != nil {
		t.Fatal(err)
	}
	return body, map[string]string{
		annotationSignature:   base64.StdEncoding.EncodeToString(sc.Signature()),
		annotationCertificate: string(leaf),
		annotationChain:       string(chain),
		annotationBundle:      rekorAnnotation(t, vs, tle.GetCanonicalizedBody(), tle.GetIntegratedTime()),
	}
}

// tagIssuer is the OIDC issuer of the keyless tag-layout signatures.
const tagIssuer = "https://issuer.example.com"

// TestKeylessTagLayout: cosign v2's keyless signatures in the tag layout
// (certificate and chain annotations, Rekor bundle) verify with the right
// identity only; a tampered SET, another signature's log entry, another
// digest, another Sigstore or no log entry fail.
func TestKeylessTagLayout(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	otherVS, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	const who, iss = "release@example.com", tagIssuer
	host := testtools.InProcessRegistry(t, false)
	cases := []struct {
		name  string
		trust Identity
		tm    root.TrustedMaterial
		edit  func(d name.Digest, ann map[string]string) []byte // returns the payload to store, or nil
		ok    bool
		want  string
	}{
		{"right identity", Identity{Subject: who, Issuer: iss}, vs, nil, true, ""},
		{"wrong identity", Identity{Subject: "x@example.com", Issuer: iss}, vs, nil, false, "keyless signature does not verify"},
		{"wrong issuer", Identity{Subject: who, Issuer: "https://evil.example.com"}, vs, nil, false, "keyless signature does not verify"},
		{"another Sigstore", Identity{Subject: who, Issuer: iss}, otherVS, nil, false, "keyless signature does not verify"},
		{"tampered SET", Identity{Subject: who, Issuer: iss}, vs, func(_ name.Digest, ann map[string]string) []byte {
			var rb map[string]json.RawMessage
			_ = json.Unmarshal([]byte(ann[annotationBundle]), &rb)
			var set []byte
			_ = json.Unmarshal(rb["SignedEntryTimestamp"], &set)
			set[len(set)/2] ^= 1
			rb["SignedEntryTimestamp"], _ = json.Marshal(set)
			b, _ := json.Marshal(rb)
			ann[annotationBundle] = string(b)
			return nil
		}, false, "keyless signature does not verify"},
		{"log entry of another signature", Identity{Subject: who, Issuer: iss}, vs, func(d name.Digest, ann map[string]string) []byte {
			_, other := keylessTagLayer(t, vs, d, who)
			ann[annotationBundle] = other[annotationBundle]
			return nil
		}, false, "keyless signature does not verify"},
		{"no log entry", Identity{Subject: who, Issuer: iss}, vs, func(_ name.Digest, ann map[string]string) []byte {
			delete(ann, annotationBundle)
			return nil
		}, false, "keyless signature does not verify"},
		{"payload of another digest", Identity{Subject: who, Issuer: iss}, vs, func(d name.Digest, ann map[string]string) []byte {
			other := d.Context().Digest("sha256:" + strings.Repeat("ab", 32))
			body, o := keylessTagLayer(t, vs, other, who)
			for k, v := range o {
				ann[k] = v
			}
			return body
		}, false, "is for sha256:abab"},
		{"malformed chain", Identity{Subject: who, Issuer: iss}, vs, func(_ name.Digest, ann map[string]string) []byte {
			ann[annotationChain] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
			return nil
		}, false, "malformed chain annotation"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := pushImage(t, host, "kl"+string(rune('a'+i)))
			body, ann := keylessTagLayer(t, vs, d, who)
			if tc.edit != nil {
				if b := tc.edit(d, ann); b != nil {
					body = b
				}
			}
			mustAppend(t, d, ".sig", body, MediaTypeSimpleSigning, ann)
			v, err := New(Trust{Identities: []Identity{tc.trust}, TrustedMaterial: tc.tm}, WithoutSCTsUnsafe())
			if err != nil {
				t.Fatal(err)
			}
			res := verifyRef(t, v, d.String(), Require{Signature: true})
			if res.Verified.Signature != tc.ok {
				t.Fatalf("verified %v, want %v: %s", res.Verified.Signature, tc.ok, dump(res))
			}
			if tc.ok && (len(res.Signers) != 1 || res.Signers[0] != who+" ("+iss+")") {
				t.Fatalf("signers %v", res.Signers)
			}
			if !tc.ok && !hasProblem(res, tc.want) {
				t.Fatalf("no problem %q: %s", tc.want, dump(res))
			}
		})
	}
}

// hashedRekordBody is a Rekor hashedrekord v0.0.1 entry for a key signature
// of data.
func hashedRekordBody(t *testing.T, sv signature.Verifier, sig, data []byte) []byte {
	t.Helper()
	pub, err := sv.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := cryptoutils.MarshalPublicKeyToPEM(pub)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	b, err := json.Marshal(map[string]any{
		"apiVersion": "0.0.1", "kind": "hashedrekord",
		"spec": map[string]any{
			"data":      map[string]any{"hash": map[string]string{"algorithm": "sha256", "value": hex.EncodeToString(sum[:])}},
			"signature": map[string]any{"content": sig, "publicKey": map[string]any{"content": pem}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKeyRequireTlog: with a transparency log required, a key signature in
// the tag layout counts only with a Rekor bundle for this signature, key
// and payload, signed by a trusted log; without the requirement the same
// signature verifies offline.
func TestKeyRequireTlog(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	otherVS, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	sv := newKey(t)
	otherKey := newKey(t)
	host := testtools.InProcessRegistry(t, true)
	now := time.Now().Unix()
	cases := []struct {
		name string
		tm   root.TrustedMaterial
		ann  func(d name.Digest, body, sig []byte) string // the bundle annotation; "" for none
		ok   bool
		want string
	}{
		{"entry of this signature", vs, func(_ name.Digest, body, sig []byte) string {
			return rekorAnnotation(t, vs, hashedRekordBody(t, sv, sig, body), now)
		}, true, ""},
		{"no entry", vs, func(name.Digest, []byte, []byte) string { return "" }, false, "without a transparency-log entry"},
		{"wrong log key", otherVS, func(_ name.Digest, body, sig []byte) string {
			return rekorAnnotation(t, vs, hashedRekordBody(t, sv, sig, body), now)
		}, false, "no trusted key signature with a verified transparency-log entry"},
		{"entry signed by another log", vs, func(_ name.Digest, body, sig []byte) string {
			return rekorAnnotation(t, otherVS, hashedRekordBody(t, sv, sig, body), now)
		}, false, "no trusted key signature with a verified transparency-log entry"},
		{"tampered SET", vs, func(_ name.Digest, body, sig []byte) string {
			a := rekorAnnotation(t, vs, hashedRekordBody(t, sv, sig, body), now)
			return strings.Replace(a, `"integratedTime":`, `"integratedTime":1`, 1)
		}, false, "no trusted key signature with a verified transparency-log entry"},
		{"entry for another artifact", vs, func(_ name.Digest, body, sig []byte) string {
			return rekorAnnotation(t, vs, hashedRekordBody(t, sv, sig, append(body, ' ')), now)
		}, false, "do not verify together"},
		{"entry of another signature by the same key", vs, func(_ name.Digest, body, _ []byte) string {
			other := append(append([]byte{}, body...), ' ')
			osig, err := sv.SignMessage(strings.NewReader(string(other)))
			if err != nil {
				t.Fatal(err)
			}
			return rekorAnnotation(t, vs, hashedRekordBody(t, sv, osig, other), now)
		}, false, "no trusted key signature with a verified transparency-log entry"},
		{"entry for another key", vs, func(_ name.Digest, body, sig []byte) string {
			return rekorAnnotation(t, vs, hashedRekordBody(t, otherKey, sig, body), now)
		}, false, "do not verify together"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := pushImage(t, host, "tl"+string(rune('a'+i)))
			body, err := payload.Cosign{Image: d}.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			sig, err := sv.SignMessage(strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			ann := map[string]string{annotationSignature: base64.StdEncoding.EncodeToString(sig)}
			if a := tc.ann(d, body, sig); a != "" {
				ann[annotationBundle] = a
			}
			mustAppend(t, d, ".sig", body, MediaTypeSimpleSigning, ann)
			v, err := New(Trust{Keys: []Key{{Name: "k", Verifier: sv}}, TrustedMaterial: tc.tm}, WithRequireTlog())
			if err != nil {
				t.Fatal(err)
			}
			res := verifyRef(t, v, d.String(), Require{Signature: true})
			if res.Verified.Signature != tc.ok || (!tc.ok && !hasProblem(res, tc.want)) {
				t.Fatalf("verified %v, want %v (%q): %s", res.Verified.Signature, tc.ok, tc.want, dump(res))
			}
			// Offline (no log required), the signature itself verifies.
			if off := verifyRef(t, keyVerifier(t, sv), d.String(), Require{Signature: true}); !off.Verified.Signature {
				t.Fatalf("offline: %s", dump(off))
			}
		})
	}
}

// TestKeyRequireTlogBundle: a key-signed Sigstore bundle without a log
// entry does not count when a log is required.
func TestKeyRequireTlogBundle(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	sv := newKey(t)
	host := testtools.InProcessRegistry(t, true)
	d := pushImage(t, host, "m")
	if err := Sign(context.Background(), reg, d, newSigner(t, sv), WithLayout(LayoutReferrers)); err != nil {
		t.Fatal(err)
	}
	v, err := New(Trust{Keys: []Key{{Name: "k", Verifier: sv}}, TrustedMaterial: vs}, WithRequireTlog())
	if err != nil {
		t.Fatal(err)
	}
	res := verifyRef(t, v, d.String(), Require{Signature: true})
	if res.Verified.Signature || !hasProblem(res, "no trusted key signature with a verified transparency-log entry") {
		t.Fatalf("a bundle without a log entry counted: %s", dump(res))
	}
	if off := verifyRef(t, keyVerifier(t, sv), d.String(), Require{Signature: true}); !off.Verified.Signature {
		t.Fatalf("offline: %s", dump(off))
	}
}

// TestKeylessTagAttestation: cosign v2's keyless attestation in the tag
// layout (DSSE layer with certificate, chain and Rekor bundle annotations)
// verifies with the right identity, for its own subject only.
func TestKeylessTagAttestation(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	const who, iss = "release@example.com", "https://issuer.example.com"
	host := testtools.InProcessRegistry(t, false)
	for _, tc := range []struct {
		name    string
		subject func(d name.Digest) name.Digest
		trust   Identity
		ok      bool
	}{
		{"right identity", func(d name.Digest) name.Digest { return d }, Identity{Subject: who, Issuer: iss}, true},
		{"wrong identity", func(d name.Digest) name.Digest { return d }, Identity{Subject: "x@example.com", Issuer: iss}, false},
		{"other subject", func(d name.Digest) name.Digest {
			return d.Context().Digest("sha256:" + strings.Repeat("cd", 32))
		}, Identity{Subject: who, Issuer: iss}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := pushImage(t, host, "att-"+strings.ReplaceAll(tc.name, " ", "-"))
			e, err := vs.Attest(who, iss, mustStatement(t, tc.subject(d), PredicateCycloneDX, testBOM))
			if err != nil {
				t.Fatal(err)
			}
			vc, _ := e.VerificationContent()
			sc, _ := e.SignatureContent()
			tles, _ := e.TlogEntries()
			tle := tles[0].TransparencyLogEntry()
			leaf, _ := cryptoutils.MarshalCertificateToPEM(vc.Certificate())
			fca := vs.FulcioCertificateAuthorities()[0].(*root.FulcioCertificateAuthority)
			chain, _ := cryptoutils.MarshalCertificatesToPEM(append(append([]*x509.Certificate{}, fca.Intermediates...), fca.Root))
			env, err := json.Marshal(sc.EnvelopeContent().RawEnvelope())
			if err != nil {
				t.Fatal(err)
			}
			mustAppend(t, d, ".att", env, MediaTypeDSSE, map[string]string{
				annotationCertificate: string(leaf), annotationChain: string(chain), annotationPredicate: PredicateCycloneDX,
				annotationBundle: rekorAnnotation(t, vs, tle.GetCanonicalizedBody(), tle.GetIntegratedTime()),
			})
			v, err := New(Trust{Identities: []Identity{tc.trust}, TrustedMaterial: vs}, WithoutSCTsUnsafe())
			if err != nil {
				t.Fatal(err)
			}
			res := verifyRef(t, v, d.String(), Require{BOM: true})
			if res.Verified.BOM != tc.ok || res.Verified.Signature {
				t.Fatalf("verified %+v, want bom %v: %s", res.Verified, tc.ok, dump(res))
			}
		})
	}
}
