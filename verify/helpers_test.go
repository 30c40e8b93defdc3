package verify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
	"github.com/seed-43c89ce6/aibom/oci"
)

// pushImage pushes a random image to host/repo:tag and returns its digest.
func pushImage(t *testing.T, host, repo string) name.Digest {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(host + "/" + repo + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return tag.Context().Digest(h.String())
}

// newKey returns a new ECDSA P-256 signing key.
func newKey(t *testing.T) signature.SignerVerifier { return testtools.ECDSAKey(t) }

func newSigner(t *testing.T, sv signature.SignerVerifier) *Signer {
	t.Helper()
	s, err := NewSigner(sv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keyVerifier(t *testing.T, sv signature.SignerVerifier, opts ...Option) *Verifier {
	t.Helper()
	v, err := New(Trust{Keys: []Key{{Name: "trusted", Verifier: sv}}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// testBOM is a small CycloneDX AI-BOM.
var testBOM = []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","metadata":{"component":{"type":"machine-learning-model","name":"tiny-llama","version":"1.0"}},"components":[{"type":"file","name":"model.safetensors"},{"type":"data","name":"wikitext"}]}`)

// testScan is a small aibom scan report.
var testScan = []byte(`{"files":[{"path":"model.safetensors","format":"safetensors","verdict":"clean","sha256":"","size":8,"findings":[]}],"summary":{"files":1,"verdicts":{"clean":1},"findings":{},"worst":"clean"}}`)

func verifyRef(t *testing.T, v *Verifier, ref string, req Require) *Result {
	t.Helper()
	res, err := v.Verify(context.Background(), ref, req)
	if err != nil {
		t.Fatalf("Verify(%s): %v", ref, err)
	}
	return res
}

func hasProblem(r *Result, sub string) bool {
	for _, p := range r.Problems {
		if strings.Contains(p, sub) {
			return true
		}
	}
	return false
}

func dump(r *Result) string {
	b, _ := json.MarshalIndent(struct {
		V Verified
		S []string
		P []string
	}{r.Verified, r.Signers, r.Problems}, "", " ")
	return string(b)
}

var reg = oci.Registry{}
