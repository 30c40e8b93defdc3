package verify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/dsse"
	"github.com/sigstore/sigstore/pkg/signature/payload"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// envelopeFor signs any payload as a DSSE envelope of payloadType.
func envelopeFor(t *testing.T, sv signature.SignerVerifier, payloadType string, body []byte) []byte {
	t.Helper()
	env, err := dsse.WrapSigner(sv, payloadType).SignMessage(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func mustStatement(t *testing.T, d name.Digest, pt string, pred []byte) []byte {
	t.Helper()
	b, err := statement(d, pt, pred)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func attLayer(t *testing.T, d name.Digest, env []byte, annPT string) {
	t.Helper()
	if err := appendTagLayer(context.Background(), reg, d, ".att", env, MediaTypeDSSE, map[string]string{annotationPredicate: annPT}); err != nil {
		t.Fatal(err)
	}
}

// TestNegative: every strictness rule, each on its own artifact.
func TestNegative(t *testing.T) {
	host := testtools.InProcessRegistry(t, false)
	sv := newKey(t)
	v := keyVerifier(t, sv)
	other := pushImage(t, host, "other")

	cases := []struct {
		name    string
		setup   func(d name.Digest)
		req     Require
		problem string
	}{
		{"subject is another digest", func(d name.Digest) {
			attLayer(t, d, envelopeFor(t, sv, PayloadTypeInToto, mustStatement(t, other, PredicateCycloneDX, testBOM)), PredicateCycloneDX)
		}, Require{BOM: true}, "about another subject"},
		{"predicate type only in the annotation", func(d name.Digest) {
			attLayer(t, d, envelopeFor(t, sv, PayloadTypeInToto, mustStatement(t, d, "https://example.com/custom", testBOM)), PredicateCycloneDX)
		}, Require{BOM: true}, "no valid https://cyclonedx.org/bom attestation"},
		{"scan type only in the annotation", func(d name.Digest) {
			attLayer(t, d, envelopeFor(t, sv, PayloadTypeInToto, mustStatement(t, d, PredicateCycloneDX, testBOM)), PredicateScanReport)
		}, Require{Scan: true}, "no valid https://aibom.dev/scan-report/v1 attestation"},
		{"wrong DSSE payload type", func(d name.Digest) {
			attLayer(t, d, envelopeFor(t, sv, "text/plain", mustStatement(t, d, PredicateCycloneDX, testBOM)), PredicateCycloneDX)
		}, Require{BOM: true}, `DSSE payload type "text/plain"`},
		{"envelope is not JSON", func(d name.Digest) {
			attLayer(t, d, []byte("{not json"), PredicateCycloneDX)
		}, Require{BOM: true}, "malformed DSSE envelope"},
		{"payload bad base64", func(d name.Digest) {
			attLayer(t, d, []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"!!!","signatures":[{"sig":"AAAA"}]}`), PredicateCycloneDX)
		}, Require{BOM: true}, "bad base64"},
		{"signed statement is not JSON", func(d name.Digest) {
			attLayer(t, d, envelopeFor(t, sv, PayloadTypeInToto, []byte("hello")), PredicateCycloneDX)
		}, Require{BOM: true}, "signed statement is not JSON"},
		{"not an in-toto statement", func(d name.Digest) {
			attLayer(t, d, envelopeFor(t, sv, PayloadTypeInToto, []byte(`{"_type":"x","predicateType":"https://cyclonedx.org/bom","subject":[]}`)), PredicateCycloneDX)
		}, Require{BOM: true}, "not an in-toto Statement"},
		{"BOM predicate is not CycloneDX", func(d name.Digest) {
			attLayer(t, d, envelopeFor(t, sv, PayloadTypeInToto, mustStatement(t, d, PredicateCycloneDX, []byte(`{"hello":1}`))), PredicateCycloneDX)
		}, Require{BOM: true}, "is not a CycloneDX BOM"},
		{"scan predicate is not a report", func(d name.Digest) {
			attLayer(t, d, envelopeFor(t, sv, PayloadTypeInToto, mustStatement(t, d, PredicateScanReport, testBOM)), PredicateScanReport)
		}, Require{Scan: true}, "is not an aibom scan report"},
		{"signature of another digest", func(d name.Digest) {
			body, _ := payload.Cosign{Image: other}.MarshalJSON()
			sig, _ := sv.SignMessage(strings.NewReader(string(body)))
			mustAppend(t, d, ".sig", body, MediaTypeSimpleSigning, map[string]string{annotationSignature: base64.StdEncoding.EncodeToString(sig)})
		}, Require{Signature: true}, "is for " + other.DigestStr()},
		{"signature bad base64", func(d name.Digest) {
			body, _ := payload.Cosign{Image: d}.MarshalJSON()
			mustAppend(t, d, ".sig", body, MediaTypeSimpleSigning, map[string]string{annotationSignature: "%%%"})
		}, Require{Signature: true}, "malformed signature (bad base64)"},
		{"signature payload not JSON", func(d name.Digest) {
			body := []byte("not json")
			sig, _ := sv.SignMessage(strings.NewReader(string(body)))
			mustAppend(t, d, ".sig", body, MediaTypeSimpleSigning, map[string]string{annotationSignature: base64.StdEncoding.EncodeToString(sig)})
		}, Require{Signature: true}, "signed payload is not JSON"},
		{"sign/v1 statement of another digest", func(d name.Digest) {
			attLayer(t, d, envelopeFor(t, sv, PayloadTypeInToto, mustStatement(t, other, PredicateCosignSign, nil)), PredicateCosignSign)
		}, Require{Signature: true}, "about another subject"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := pushImage(t, host, fmt.Sprintf("neg%d", i))
			tc.setup(d)
			res := verifyRef(t, v, d.String(), tc.req)
			if res.Satisfies(tc.req) {
				t.Fatalf("verified: %s", dump(res))
			}
			if !hasProblem(res, tc.problem) {
				t.Errorf("no problem %q: %s", tc.problem, dump(res))
			}
			if res.Verified.BOM && res.BOM == nil {
				t.Error("BOM verified without bytes")
			}
		})
	}
}

func mustAppend(t *testing.T, d name.Digest, suffix string, body []byte, mt string, ann map[string]string) {
	t.Helper()
	if err := appendTagLayer(context.Background(), reg, d, suffix, body, mt, ann); err != nil {
		t.Fatal(err)
	}
}

// TestBundleAnnotationDecidesNothing: cosign's own attest writes the
// annotation dev.sigstore.bundle.predicateType=https://sigstore.dev/cosign/sign/v1
// on attestation bundles; an attestation bundle annotated as a signature
// stays an attestation, and a custom statement annotated as a BOM is no BOM.
func TestBundleAnnotationDecidesNothing(t *testing.T) {
	ctx := context.Background()
	host := testtools.InProcessRegistry(t, true)
	d := pushImage(t, host, "m")
	sv := newKey(t)
	s := newSigner(t, sv)
	o := signOptions{now: time.Now, layout: LayoutReferrers}
	if err := s.writeBundle(ctx, reg, d, PredicateCosignSign, mustStatement(t, d, PredicateScanReport, testScan), o); err != nil {
		t.Fatal(err)
	}
	if err := s.writeBundle(ctx, reg, d, PredicateCycloneDX, mustStatement(t, d, "https://example.com/custom", testBOM), o); err != nil {
		t.Fatal(err)
	}
	res := verifyRef(t, keyVerifier(t, sv), d.String(), all)
	if res.Verified.Signature || res.Verified.BOM || !res.Verified.Scan {
		t.Fatalf("annotations decided: %s", dump(res))
	}
}

// TestLimits: a huge layer, too many layers, a huge manifest, thousands of
// referrers: not verified, and said so.
func TestLimits(t *testing.T) {
	ctx := context.Background()
	sv := newKey(t)
	s := newSigner(t, sv)
	lim := DefaultLimits()

	t.Run("huge layer", func(t *testing.T) {
		host := testtools.InProcessRegistry(t, false)
		d := pushImage(t, host, "m")
		big := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","x":"` + strings.Repeat("a", 4096) + `"}`)
		if err := Attest(ctx, reg, d, s, PredicateCycloneDX, big); err != nil {
			t.Fatal(err)
		}
		l := lim
		l.MaxBlobBytes = 2048
		res := verifyRef(t, keyVerifier(t, sv, WithLimits(l)), d.String(), Require{BOM: true})
		if res.Verified.BOM || !hasProblem(res, "over the limit of 2048") {
			t.Fatalf("%s", dump(res))
		}
	})
	t.Run("too many layers", func(t *testing.T) {
		host := testtools.InProcessRegistry(t, false)
		d := pushImage(t, host, "m")
		evil := newSigner(t, newKey(t))
		for _, x := range []*Signer{evil, evil, s} {
			if err := Sign(ctx, reg, d, x); err != nil {
				t.Fatal(err)
			}
		}
		l := lim
		l.MaxLayers = 2
		res := verifyRef(t, keyVerifier(t, sv, WithLimits(l)), d.String(), Require{Signature: true})
		if res.Verified.Signature || !hasProblem(res, "3 layers, over the limit of 2") {
			t.Fatalf("%s", dump(res))
		}
	})
	t.Run("huge manifest", func(t *testing.T) {
		host := testtools.InProcessRegistry(t, false)
		d := pushImage(t, host, "m")
		if err := Sign(ctx, reg, d, s); err != nil {
			t.Fatal(err)
		}
		l := lim
		l.MaxManifestBytes = 100
		res := verifyRef(t, keyVerifier(t, sv, WithLimits(l)), d.String(), Require{Signature: true})
		if res.Verified.Signature || !hasProblem(res, "over the limit of 100") {
			t.Fatalf("%s", dump(res))
		}
	})
	t.Run("thousands of referrers", func(t *testing.T) {
		host := testtools.InProcessRegistry(t, true)
		d := pushImage(t, host, "m")
		if err := Sign(ctx, reg, d, s, WithLayout(LayoutReferrers)); err != nil {
			t.Fatal(err)
		}
		pushReferrers(t, d, 2000)
		res := verifyRef(t, keyVerifier(t, sv), d.String(), Require{Signature: true})
		if res.Verified.Signature || !hasProblem(res, "2001, over the limit of 128: none checked") {
			t.Fatalf("%s", dump(res))
		}
	})
	t.Run("hundreds of referrers in the tag fallback", func(t *testing.T) {
		host := testtools.InProcessRegistry(t, false)
		d := pushImage(t, host, "m")
		if err := Sign(ctx, reg, d, s, WithLayout(LayoutReferrers)); err != nil {
			t.Fatal(err)
		}
		pushReferrers(t, d, 300)
		res := verifyRef(t, keyVerifier(t, sv), d.String(), Require{Signature: true})
		if res.Verified.Signature || !hasProblem(res, "301, over the limit of 128: none checked") {
			t.Fatalf("%s", dump(res))
		}
	})
}

// pushReferrers pushes n small artifacts whose subject is d.
func pushReferrers(t *testing.T, d name.Digest, n int) {
	t.Helper()
	desc, err := remote.Head(d)
	if err != nil {
		t.Fatal(err)
	}
	cfg := static.NewLayer([]byte("{}"), "application/vnd.oci.empty.v1+json")
	if err := remote.WriteLayer(d.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		m := v1.Manifest{
			SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: "application/vnd.example.junk",
			Config:      descriptorOf(cfg),
			Layers:      []v1.Descriptor{},
			Subject:     &v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size},
			Annotations: map[string]string{"n": fmt.Sprint(i)},
		}
		raw, _ := json.Marshal(m)
		h, _, _ := v1.SHA256(strings.NewReader(string(raw)))
		if err := remote.Put(d.Context().Digest(h.String()), rawManifest{raw}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSlowRegistry: a registry that stalls makes the answer "not verified"
// once Limits.Timeout has passed.
func TestSlowRegistry(t *testing.T) {
	ctx := context.Background()
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	stall := make(chan struct{})
	t.Cleanup(func() { close(stall) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/blobs/") && r.Method == http.MethodGet && r.Header.Get("X-Stall") == "" && stalling.Load() {
			select {
			case <-stall:
			case <-r.Context().Done():
			}
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	d := pushImage(t, host, "m")
	sv := newKey(t)
	if err := Sign(ctx, reg, d, newSigner(t, sv)); err != nil {
		t.Fatal(err)
	}
	stalling.Store(true)
	defer stalling.Store(false)
	l := DefaultLimits()
	l.Timeout = 300 * time.Millisecond
	res := verifyRef(t, keyVerifier(t, sv, WithLimits(l)), d.String(), Require{Signature: true})
	if res.Verified.Signature || !hasProblem(res, "verification stopped") {
		t.Fatalf("%s", dump(res))
	}
}

var stalling atomic.Bool
