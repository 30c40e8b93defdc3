package verify

import (
	"encoding/base64"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/testing/ca"
)

// FuzzTagAnnotations: the certificate, chain and Rekor bundle annotations
// of a tag-layout layer (unsigned registry bytes) never panic the parser or
// the checker, and nothing the fuzzer makes verifies as a keyless
// signature under a fresh virtual Sigstore other than the seed's own.
func FuzzTagAnnotations(f *testing.F) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		f.Fatal(err)
	}
	body, ann := keylessTagLayer(f, vs, fuzzDigest, "a@example.com")
	f.Add(ann[annotationCertificate], ann[annotationChain], ann[annotationBundle], ann[annotationSignature], body)
	f.Add("", "", `{"SignedEntryTimestamp":"AA==","Payload":{"body":"e30=","integratedTime":1,"logIndex":0,"logID":"00"}}`, "AA==", []byte("{}"))
	v, err := New(Trust{Identities: []Identity{{Subject: "a@example.com", Issuer: tagIssuer}}, TrustedMaterial: vs}, WithoutSCTsUnsafe())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, cert, chain, bundleAnn, sig string, payload []byte) {
		a := map[string]string{annotationCertificate: cert, annotationChain: chain, annotationBundle: bundleAnn}
		certs, rb, err := parseTagAnnotations(a)
		if err != nil || len(certs) == 0 {
			return
		}
		raw, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			return
		}
		c := &checker{v: v, d: fuzzDigest, res: &Result{}}
		tl := &tagLayer{payload: payload, sig: raw, certs: certs, rekor: rb}
		if _, ok := c.tagKeyless("fuzz", tl); ok && string(payload) != string(body) {
			t.Fatalf("a keyless signature of another payload verified: %q", payload)
		}
	})
}
