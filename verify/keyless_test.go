package verify

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
)

// TestKeyless verifies keyless attestations offline against sigstore-go's
// virtual Sigstore (Fulcio CA, Rekor, TSA in memory).
func TestKeyless(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	d, err := name.NewDigest("127.0.0.1:5000/models/tiny@sha256:" + "aa5f6c2b8a1f4a8a5b9d2f0c1e3d4b5a6c7d8e9f0a1b2c3d4e5f60718293a4b5")
	if err != nil {
		t.Fatal(err)
	}
	otherD := d.Context().Digest("sha256:" + "bb5f6c2b8a1f4a8a5b9d2f0c1e3d4b5a6c7d8e9f0a1b2c3d4e5f60718293a4b5")
	const who, iss = "release@example.com", "https://issuer.example.com"

	cases := []struct {
		name     string
		trust    Identity
		signer   string
		issuer   string
		subject  name.Digest
		pt       string
		ok       bool
		verified Verified
	}{
		{"right identity", Identity{Subject: who, Issuer: iss}, who, iss, d, PredicateCycloneDX, true, Verified{BOM: true}},
		{"signature statement", Identity{Subject: who, Issuer: iss}, who, iss, d, PredicateCosignSign, true, Verified{Signature: true}},
		{"anchored regexp matches", Identity{SubjectRegexp: `.*@example\.com`, Issuer: iss}, who, iss, d, PredicateCycloneDX, true, Verified{BOM: true}},
		{"wrong identity", Identity{Subject: "someone@example.com", Issuer: iss}, who, iss, d, PredicateCycloneDX, false, Verified{}},
		{"wrong issuer", Identity{Subject: who, Issuer: "https://other.example.com"}, who, iss, d, PredicateCycloneDX, false, Verified{}},
		{"issuer regexp is anchored", Identity{Subject: who, IssuerRegexp: `https://issuer\.example\.com`}, who, iss + ".evil.org", d, PredicateCycloneDX, false, Verified{}},
		{"subject regexp is anchored", Identity{SubjectRegexp: `release@example\.com`, Issuer: iss}, "release@example.com.evil.org", iss, d, PredicateCycloneDX, false, Verified{}},
		{"subject regexp is anchored at the start", Identity{SubjectRegexp: `release@example\.com`, Issuer: iss}, "evil-release@example.com", iss, d, PredicateCycloneDX, false, Verified{}},
		{"wrong digest", Identity{Subject: who, Issuer: iss}, who, iss, otherD, PredicateCycloneDX, false, Verified{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The virtual Sigstore's certificates carry no SCT.
			v, err := New(Trust{Identities: []Identity{tc.trust}, TrustedMaterial: vs}, WithoutSCTsUnsafe())
			if err != nil {
				t.Fatal(err)
			}
			var pred []byte
			if tc.pt == PredicateCycloneDX {
				pred = testBOM
			}
			entity, err := vs.Attest(tc.signer, tc.issuer, mustStatement(t, tc.subject, tc.pt, pred))
			if err != nil {
				t.Fatal(err)
			}
			c := &checker{v: v, d: d, res: &Result{Digest: d.DigestStr()}}
			c.checkEntity(context.Background(), "bundle", entity)
			if c.res.Verified != tc.verified {
				t.Fatalf("verified %+v, want %+v: %v", c.res.Verified, tc.verified, c.res.Problems)
			}
			if tc.ok {
				want := tc.signer + " (" + tc.issuer + ")"
				if len(c.res.Signers) != 1 || c.res.Signers[0] != want {
					t.Errorf("signers %v, want %s", c.res.Signers, want)
				}
			} else if len(c.res.Problems) == 0 || len(c.res.Signers) != 0 {
				t.Errorf("failure not reported: %+v", c.res)
			}
		})
	}
}

// TestKeylessNeedsIdentities: a valid keyless bundle counts for nothing
// when only keys are trusted.
func TestKeylessNeedsIdentities(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := name.NewDigest("127.0.0.1:5000/m@sha256:aa5f6c2b8a1f4a8a5b9d2f0c1e3d4b5a6c7d8e9f0a1b2c3d4e5f60718293a4b5")
	entity, err := vs.Attest("a@example.com", "https://i", mustStatement(t, d, PredicateCosignSign, nil))
	if err != nil {
		t.Fatal(err)
	}
	v := keyVerifier(t, newKey(t))
	c := &checker{v: v, d: d, res: &Result{}}
	c.checkEntity(context.Background(), "bundle", entity)
	if c.res.Verified.Signature || !hasProblem(c.res, "no keyless identity is trusted") {
		t.Fatalf("%+v", c.res)
	}
}

// TestKeylessNeedsSCT: by default a certificate without a signed
// certificate timestamp does not verify.
func TestKeylessNeedsSCT(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := name.NewDigest("127.0.0.1:5000/m@sha256:aa5f6c2b8a1f4a8a5b9d2f0c1e3d4b5a6c7d8e9f0a1b2c3d4e5f60718293a4b5")
	entity, err := vs.Attest("a@example.com", "https://i", mustStatement(t, d, PredicateCosignSign, nil))
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(Trust{Identities: []Identity{{Subject: "a@example.com", Issuer: "https://i"}}, TrustedMaterial: vs})
	if err != nil {
		t.Fatal(err)
	}
	c := &checker{v: v, d: d, res: &Result{}}
	c.checkEntity(context.Background(), "bundle", entity)
	if c.res.Verified.Signature || !hasProblem(c.res, "certificate timestamp") {
		t.Fatalf("%+v", c.res)
	}
}
