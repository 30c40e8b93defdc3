package verify

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// keyBundle signs a statement about d with s's key into a Sigstore bundle,
// as writeBundle does, recorded in the Rekor at rekorURL when it is set.
func keyBundle(t *testing.T, s *Signer, d name.Digest, pt string, pred []byte, rekorURL string) *protobundle.Bundle {
	t.Helper()
	bo := sign.BundleOptions{Context: context.Background()}
	if rekorURL != "" {
		bo.TransparencyLogs = []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: rekorURL})}
	}
	pb, err := sign.Bundle(&sign.DSSEData{Data: mustStatement(t, d, pt, pred), PayloadType: PayloadTypeInToto}, s.kp, bo)
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

// storeBundle stores a bundle as a referrer of d, as aibom does.
func storeBundle(t *testing.T, d name.Digest, pb *protobundle.Bundle, pt string) {
	t.Helper()
	raw, err := protojson.Marshal(pb)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeReferrer(context.Background(), reg, d, raw, pt, signOptions{now: time.Now}); err != nil {
		t.Fatal(err)
	}
}

// TestKeyRequireTlogBundlePasses: key-signed Sigstore bundles (referrers
// layout) that `Sign` and `Attest` record in a Rekor count with
// WithRequireTlog when the trusted root holds that log; they do not count
// without their entry, with the entry of another payload, or when the log
// key is not trusted.
func TestKeyRequireTlogBundlePasses(t *testing.T) {
	ss := testtools.NewSigstore(t)
	rekorURL := ss.Serve(t)
	other := testtools.NewSigstore(t) // another Rekor key
	sv := newKey(t)
	s := newSigner(t, sv)
	host := testtools.InProcessRegistry(t, true)
	ctx := context.Background()
	const noEntry = "no trusted key signature with a verified transparency-log entry"

	// As `aibom sign --key K --tlog-upload` and `aibom attest` write them.
	d := pushImage(t, host, "logged")
	if err := Sign(ctx, reg, d, s, WithTlogUpload(rekorURL)); err != nil {
		t.Fatal(err)
	}
	if err := Attest(ctx, reg, d, s, PredicateCycloneDX, testBOM, WithTlogUpload(rekorURL)); err != nil {
		t.Fatal(err)
	}
	if n := ss.Entries(); n != 2 {
		t.Fatalf("the log recorded %d entries, want 2", n)
	}
	trusted := func(t *testing.T, tm root.TrustedMaterial) *Verifier {
		t.Helper()
		v, err := New(Trust{Keys: []Key{{Name: "k", Verifier: sv}}, TrustedMaterial: tm}, WithRequireTlog())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	t.Run("entry in the trusted log", func(t *testing.T) {
		res := verifyRef(t, trusted(t, ss.TrustedRoot(t)), d.String(), Require{Signature: true, BOM: true})
		if !res.Satisfies(Require{Signature: true, BOM: true}) || len(res.Problems) != 0 || len(res.Signers) != 1 || res.Signers[0] != "k" {
			t.Fatalf("logged key signatures did not verify: %s", dump(res))
		}
	})
	t.Run("log key not trusted", func(t *testing.T) {
		res := verifyRef(t, trusted(t, other.TrustedRoot(t)), d.String(), Require{Signature: true, BOM: true})
		if res.Verified.Signature || res.Verified.BOM || !hasProblem(res, noEntry) {
			t.Fatalf("an entry of an untrusted log counted: %s", dump(res))
		}
	})

	// Bundles edited as an attacker would, each on its own image.
	otherD := pushImage(t, host, "elsewhere")
	foreign := keyBundle(t, s, otherD, PredicateCosignSign, nil, rekorURL)
	for _, tc := range []struct {
		name string
		edit func(pb *protobundle.Bundle)
	}{
		{"no entry", func(pb *protobundle.Bundle) { pb.VerificationMaterial.TlogEntries = nil }},
		{"entry of another payload", func(pb *protobundle.Bundle) {
			pb.VerificationMaterial.TlogEntries = foreign.VerificationMaterial.TlogEntries
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := pushImage(t, host, "edited")
			pb := keyBundle(t, s, d, PredicateCosignSign, nil, rekorURL)
			tc.edit(pb)
			storeBundle(t, d, pb, PredicateCosignSign)
			res := verifyRef(t, trusted(t, ss.TrustedRoot(t)), d.String(), Require{Signature: true})
			if res.Verified.Signature || !hasProblem(res, noEntry) {
				t.Fatalf("counted: %s", dump(res))
			}
			// The signature itself is good: offline it verifies.
			if off := verifyRef(t, keyVerifier(t, sv), d.String(), Require{Signature: true}); !off.Verified.Signature {
				t.Fatalf("offline: %s", dump(off))
			}
		})
	}
}

// TestKeylessPrivateSigstore: aibom's keyless signing through a Fulcio and
// a Rekor (a private deployment on loopback, with a CT log) verifies with
// the default, strict options (SCT, log entry) for the right identity
// only.
func TestKeylessPrivateSigstore(t *testing.T) {
	ss := testtools.NewSigstore(t)
	url := ss.Serve(t)
	const who, iss = "release@example.com", "https://issuer.example.com"
	host := testtools.InProcessRegistry(t, true)
	ctx := context.Background()
	d := pushImage(t, host, "keyless")
	s, err := NewKeylessSigner(Keyless{FulcioURL: url, RekorURL: url, IDToken: testtools.IDToken(who, iss)})
	if err != nil {
		t.Fatal(err)
	}
	if err := Sign(ctx, reg, d, s); err != nil {
		t.Fatal(err)
	}
	if err := Attest(ctx, reg, d, s, PredicateCycloneDX, testBOM); err != nil {
		t.Fatal(err)
	}
	req := Require{Signature: true, BOM: true}
	for _, tc := range []struct {
		name string
		id   Identity
		tm   root.TrustedMaterial
		ok   bool
	}{
		{"right identity", Identity{Subject: who, Issuer: iss}, ss.TrustedRoot(t), true},
		{"wrong subject", Identity{Subject: "other@example.com", Issuer: iss}, ss.TrustedRoot(t), false},
		{"wrong issuer", Identity{Subject: who, Issuer: "https://other.example.com"}, ss.TrustedRoot(t), false},
		{"another deployment", Identity{Subject: who, Issuer: iss}, testtools.NewSigstore(t).TrustedRoot(t), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := New(Trust{Identities: []Identity{tc.id}, TrustedMaterial: tc.tm})
			if err != nil {
				t.Fatal(err)
			}
			res := verifyRef(t, v, d.String(), req)
			if res.Satisfies(req) != tc.ok {
				t.Fatalf("verified %+v, want %v: %s", res.Verified, tc.ok, dump(res))
			}
			if tc.ok && (len(res.Signers) != 1 || res.Signers[0] != who+" ("+iss+")") {
				t.Fatalf("signers %v", res.Signers)
			}
			if !tc.ok && (res.Verified.Signature || res.Verified.BOM || !hasProblem(res, "keyless signature does not verify")) {
				t.Fatalf("%s", dump(res))
			}
		})
	}
}

// TestKeylessBundleLogEntry: a keyless bundle's log entry is verified: a
// bundle without one (and without a signed timestamp), or with the entry of
// another signature, does not count.
func TestKeylessBundleLogEntry(t *testing.T) {
	ss := testtools.NewSigstore(t)
	url := ss.Serve(t)
	const who, iss = "release@example.com", "https://issuer.example.com"
	host := testtools.InProcessRegistry(t, true)
	bundleFor := func(t *testing.T, d name.Digest, logged bool) *protobundle.Bundle {
		t.Helper()
		kp, err := sign.NewEphemeralKeypair(nil)
		if err != nil {
			t.Fatal(err)
		}
		bo := sign.BundleOptions{Context: context.Background(),
			CertificateProvider:        sign.NewFulcio(&sign.FulcioOptions{BaseURL: url}),
			CertificateProviderOptions: &sign.CertificateProviderOptions{IDToken: testtools.IDToken(who, iss)}}
		if logged {
			bo.TransparencyLogs = []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: url})}
		}
		pb, err := sign.Bundle(&sign.DSSEData{Data: mustStatement(t, d, PredicateCosignSign, nil), PayloadType: PayloadTypeInToto}, kp, bo)
		if err != nil {
			t.Fatal(err)
		}
		return pb
	}
	v, err := New(Trust{Identities: []Identity{{Subject: who, Issuer: iss}}, TrustedMaterial: ss.TrustedRoot(t)})
	if err != nil {
		t.Fatal(err)
	}
	foreign := bundleFor(t, pushImage(t, host, "foreign"), true)
	for _, tc := range []struct {
		name   string
		logged bool
		edit   func(pb *protobundle.Bundle)
		ok     bool
		want   string
	}{
		{"with its entry", true, nil, true, ""},
		{"no entry, no timestamp", false, nil, false, "threshold not met"},
		{"entry of another signature", true, func(pb *protobundle.Bundle) {
			pb.VerificationMaterial.TlogEntries = foreign.VerificationMaterial.TlogEntries
		}, false, "keyless signature does not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := pushImage(t, host, "kl")
			pb := bundleFor(t, d, tc.logged)
			if tc.edit != nil {
				tc.edit(pb)
			}
			storeBundle(t, d, pb, PredicateCosignSign)
			res := verifyRef(t, v, d.String(), Require{Signature: true})
			if res.Verified.Signature != tc.ok || (!tc.ok && !hasProblem(res, tc.want)) {
				t.Fatalf("verified %v, want %v (%q): %s", res.Verified.Signature, tc.ok, tc.want, dump(res))
			}
		})
	}
}
