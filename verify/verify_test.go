package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/testing/ca"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

var all = Require{Signature: true, BOM: true, Scan: true}

// TestRoundTrip signs and attests in each layout, on registries with and
// without the referrers API, and verifies everything.
func TestRoundTrip(t *testing.T) {
	for _, referrers := range []bool{false, true} {
		for _, layout := range []Layout{LayoutTags, LayoutReferrers} {
			t.Run(fmt.Sprintf("api=%v/%s", referrers, layout), func(t *testing.T) {
				ctx := context.Background()
				host := testtools.InProcessRegistry(t, referrers)
				d := pushImage(t, host, "models/tiny")
				sv := newKey(t)
				s := newSigner(t, sv)
				if err := Sign(ctx, reg, d, s, WithLayout(layout)); err != nil {
					t.Fatal(err)
				}
				if err := Attest(ctx, reg, d, s, PredicateCycloneDX, testBOM, WithLayout(layout)); err != nil {
					t.Fatal(err)
				}
				if err := Attest(ctx, reg, d, s, PredicateScanReport, testScan, WithLayout(layout)); err != nil {
					t.Fatal(err)
				}
				v := keyVerifier(t, sv)
				// By tag: resolved once to the digest.
				res := verifyRef(t, v, "oci://"+host+"/models/tiny:v1", all)
				if !res.Satisfies(all) || len(res.Problems) != 0 {
					t.Fatalf("not verified: %s", dump(res))
				}
				if res.Digest != d.DigestStr() {
					t.Errorf("digest %s, want %s", res.Digest, d.DigestStr())
				}
				if len(res.Signers) != 1 || res.Signers[0] != "trusted" {
					t.Errorf("signers %v", res.Signers)
				}
				if res.BOMSummary == nil || res.BOMSummary.Subject != "tiny-llama@1.0" || res.BOMSummary.Components != 2 || len(res.BOMSummary.Models) != 1 {
					t.Errorf("BOM summary %+v", res.BOMSummary)
				}
				if res.ScanSummary == nil || res.ScanSummary.Worst != "clean" || res.ScanSummary.Files != 1 {
					t.Errorf("scan summary %+v", res.ScanSummary)
				}
				if string(res.BOM) != string(testBOM) {
					t.Errorf("BOM bytes changed:\n%s", res.BOM)
				}
			})
		}
	}
}

// TestOtherKey: what another key signed verifies nothing and is reported.
func TestOtherKey(t *testing.T) {
	ctx := context.Background()
	host := testtools.InProcessRegistry(t, true)
	d := pushImage(t, host, "m")
	s := newSigner(t, newKey(t))
	for _, l := range []Layout{LayoutTags, LayoutReferrers} {
		if err := Sign(ctx, reg, d, s, WithLayout(l)); err != nil {
			t.Fatal(err)
		}
		if err := Attest(ctx, reg, d, s, PredicateCycloneDX, testBOM, WithLayout(l)); err != nil {
			t.Fatal(err)
		}
	}
	res := verifyRef(t, keyVerifier(t, newKey(t)), d.String(), all)
	if res.Verified != (Verified{}) || len(res.Signers) != 0 {
		t.Fatalf("verified with the wrong key: %s", dump(res))
	}
	if !hasProblem(res, "signature by no trusted key") || !hasProblem(res, "attestation signed by no trusted key") {
		t.Errorf("problems do not name the untrusted signatures: %s", dump(res))
	}
}

// TestAttestationIsNotSignature: attestations alone never pass a
// signature requirement, in either layout (cosign's CLI, with bundles,
// wrongly passes `verify` here).
func TestAttestationIsNotSignature(t *testing.T) {
	for _, l := range []Layout{LayoutTags, LayoutReferrers} {
		t.Run(l.String(), func(t *testing.T) {
			ctx := context.Background()
			host := testtools.InProcessRegistry(t, true)
			d := pushImage(t, host, "m")
			sv := newKey(t)
			if err := Attest(ctx, reg, d, newSigner(t, sv), PredicateCycloneDX, testBOM, WithLayout(l)); err != nil {
				t.Fatal(err)
			}
			res := verifyRef(t, keyVerifier(t, sv), d.String(), Require{Signature: true, BOM: true})
			if res.Verified.Signature || !res.Verified.BOM || res.Satisfies(Require{Signature: true}) {
				t.Fatalf("an attestation counted as a signature: %s", dump(res))
			}
			if !hasProblem(res, "no valid signature of "+d.DigestStr()) {
				t.Errorf("missing signature not reported: %s", dump(res))
			}
		})
	}
}

// TestSignatureIsNotAttestation: a signature alone passes no bom or scan
// requirement.
func TestSignatureIsNotAttestation(t *testing.T) {
	for _, l := range []Layout{LayoutTags, LayoutReferrers} {
		ctx := context.Background()
		host := testtools.InProcessRegistry(t, false)
		d := pushImage(t, host, "m")
		sv := newKey(t)
		if err := Sign(ctx, reg, d, newSigner(t, sv), WithLayout(l)); err != nil {
			t.Fatal(err)
		}
		res := verifyRef(t, keyVerifier(t, sv), d.String(), all)
		if !res.Verified.Signature || res.Verified.BOM || res.Verified.Scan || len(res.PredicateTypes) != 0 {
			t.Fatalf("%s: %s", l, dump(res))
		}
	}
}

// TestForeignBesideValid: a foreign signature and bundle next to valid ones
// neither hide them nor pass for them, and are reported.
func TestForeignBesideValid(t *testing.T) {
	for _, l := range []Layout{LayoutTags, LayoutReferrers} {
		t.Run(l.String(), func(t *testing.T) {
			ctx := context.Background()
			host := testtools.InProcessRegistry(t, l == LayoutReferrers)
			d := pushImage(t, host, "m")
			sv := newKey(t)
			good, evil := newSigner(t, sv), newSigner(t, newKey(t))
			// Foreign first, valid after, more foreign after that.
			for _, s := range []*Signer{evil, good, evil} {
				if err := Sign(ctx, reg, d, s, WithLayout(l)); err != nil {
					t.Fatal(err)
				}
				if err := Attest(ctx, reg, d, s, PredicateCycloneDX, testBOM, WithLayout(l)); err != nil {
					t.Fatal(err)
				}
			}
			res := verifyRef(t, keyVerifier(t, sv), d.String(), Require{Signature: true, BOM: true})
			if !res.Satisfies(Require{Signature: true, BOM: true}) {
				t.Fatalf("foreign signatures hid the valid one: %s", dump(res))
			}
			if len(res.Signers) != 1 || res.Signers[0] != "trusted" {
				t.Errorf("signers %v", res.Signers)
			}
			if n := countProblems(res, "no trusted key"); n != 4 {
				t.Errorf("%d foreign signatures reported, want 4: %s", n, dump(res))
			}
		})
	}
}

func countProblems(r *Result, sub string) int {
	n := 0
	for _, p := range r.Problems {
		if strings.Contains(p, sub) {
			n++
		}
	}
	return n
}

// TestConfigErrors: empty or half identities and missing trust are
// configuration errors, never "anyone".
func TestConfigErrors(t *testing.T) {
	cases := map[string]Trust{
		"nothing":        {},
		"empty identity": {Identities: []Identity{{Issuer: "https://issuer"}}},
		"empty issuer":   {Identities: []Identity{{Subject: "a@example.com"}}},
		"both subject":   {Identities: []Identity{{Subject: "a", SubjectRegexp: "a", Issuer: "i"}}},
		"bad regexp":     {Identities: []Identity{{SubjectRegexp: "(", Issuer: "i"}}},
		"no root":        {Identities: []Identity{{Subject: "a@example.com", Issuer: "https://issuer"}}},
		"nil key":        {Keys: []Key{{Name: "k"}}},
	}
	for n, tr := range cases {
		if _, err := New(tr); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err %v, want ErrConfig", n, err)
		}
	}
	if _, err := ParseRequire("signature,bogus"); !errors.Is(err, ErrConfig) {
		t.Errorf("ParseRequire: %v", err)
	}
	if r, err := ParseRequire("signature,bom,scan"); err != nil || r != all {
		t.Errorf("ParseRequire: %+v %v", r, err)
	}
	if _, err := New(Trust{Keys: []Key{{Name: "k", Verifier: newKey(t)}}}, WithRequireTlog()); !errors.Is(err, ErrConfig) {
		t.Errorf("require tlog without a trusted root: %v", err)
	}
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	// With keys, a required log is no longer refused: it is checked (and
	// never ignored: TestKeyRequireTlog).
	if _, err := New(Trust{Keys: []Key{{Name: "k", Verifier: newKey(t)}}, TrustedMaterial: vs}, WithRequireTlog()); err != nil {
		t.Errorf("require tlog with keys and a trusted root: %v", err)
	}
}
