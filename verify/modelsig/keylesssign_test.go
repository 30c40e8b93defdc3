package modelsig

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"

	"github.com/seed-43c89ce6/aibom/verify"
)

// virtualKeypair signs with the key that the virtual Sigstore certified.
type virtualKeypair struct{ priv *ecdsa.PrivateKey }

func (k virtualKeypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return protocommon.HashAlgorithm_SHA2_256
}
func (k virtualKeypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
}
func (k virtualKeypair) GetHint() []byte                { return nil }
func (k virtualKeypair) GetKeyAlgorithm() string        { return "ECDSA" }
func (k virtualKeypair) GetPublicKey() crypto.PublicKey { return k.priv.Public() }
func (k virtualKeypair) GetPublicKeyPem() (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k.priv.Public())
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), err
}
func (k virtualKeypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	h := sha256.Sum256(data)
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, h[:])
	return sig, h[:], err
}

// virtualFulcio hands out the certificate the virtual Sigstore made.
type virtualFulcio struct{ cert *x509.Certificate }

func (f virtualFulcio) GetCertificate(context.Context, sign.Keypair, *sign.CertificateProviderOptions) ([]byte, error) {
	return f.cert.Raw, nil
}

// virtualRekor logs the bundle's DSSE envelope in the virtual Sigstore's
// Rekor and adds the entry (with its inclusion proof) to the bundle.
type virtualRekor struct {
	vs   *ca.VirtualSigstore
	cert *x509.Certificate
}

func (r virtualRekor) GetTransparencyLogEntry(_ context.Context, _ []byte, b *protobundle.Bundle) error {
	env := b.GetDsseEnvelope()
	if env == nil || len(env.GetSignatures()) != 1 {
		return errors.New("virtual Rekor: no DSSE envelope")
	}
	sig := env.GetSignatures()[0].GetSig()
	e := &dsse.Envelope{PayloadType: env.GetPayloadType(), Payload: base64.StdEncoding.EncodeToString(env.GetPayload()),
		Signatures: []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(sig)}}}
	at := time.Now().Add(5 * time.Minute).Unix()
	entry, err := r.vs.GenerateTlogEntry(r.cert, e, sig, at, true)
	if err != nil {
		return err
	}
	tle := entry.TransparencyLogEntry()
	// The entry's signed entry timestamp (SET), which verifies its
	// integrated time.
	set, err := r.vs.RekorSignPayload(tlog.RekorPayload{Body: base64.StdEncoding.EncodeToString(tle.GetCanonicalizedBody()),
		IntegratedTime: at, LogIndex: tle.GetLogIndex(), LogID: hex.EncodeToString(tle.GetLogId().GetKeyId())})
	if err != nil {
		return err
	}
	tle.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
	var kv struct{ APIVersion, Kind string }
	if err := json.Unmarshal(tle.GetCanonicalizedBody(), &kv); err != nil {
		return err
	}
	tle.KindVersion = &protorekor.KindVersion{Kind: kv.Kind, Version: kv.APIVersion}
	b.VerificationMaterial.TlogEntries = append(b.VerificationMaterial.TlogEntries, tle)
	return nil
}

func virtualSigner(t *testing.T, vs *ca.VirtualSigstore, who, iss string) *Signer {
	t.Helper()
	cert, priv, err := vs.GenerateLeafCert(who, iss)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigstoreSigner(Sigstore{Keypair: virtualKeypair{priv.(*ecdsa.PrivateKey)},
		CertificateProvider: virtualFulcio{cert}, TransparencyLogs: []sign.Transparency{virtualRekor{vs, cert}}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKeylessSign: a model signed keyless (certificate from the virtual
// Fulcio, entry in the virtual Rekor) verifies with the right identity
// only, and not after a change; the signature is an OMS v1.0 bundle with a
// certificate and a log entry, as the reference writes.
func TestKeylessSign(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	const who, iss = "release@example.com", "https://issuer.example.com"
	dir := t.TempDir()
	for p, c := range map[string]string{"weights.bin": "0123", "config.json": "{}"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sigPath, err := Sign(context.Background(), dir, virtualSigner(t, vs, who, iss))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(sigPath)
	if err != nil {
		t.Fatal(err)
	}
	pb, _, err := parseBundle(raw)
	if err != nil || pb.GetVerificationMaterial().GetCertificate() == nil || len(pb.GetVerificationMaterial().GetTlogEntries()) != 1 {
		t.Fatalf("bundle %v: %s", err, raw)
	}
	trust := func(subject, issuer string) Trust {
		return Trust{Trust: verify.Trust{Identities: []verify.Identity{{Subject: subject, Issuer: issuer}}, TrustedMaterial: vs}}
	}
	res, err := Verify(context.Background(), dir, trust(who, iss), WithoutSCTsUnsafe())
	if err != nil || !res.Verified || len(res.Signers) != 1 || res.Signers[0] != who+" ("+iss+")" {
		t.Fatalf("right identity: %v %+v", err, res)
	}
	// The virtual Fulcio issues no SCT: required by default.
	if res, _ := Verify(context.Background(), dir, trust(who, iss)); res.Verified {
		t.Fatalf("verified without an SCT: %+v", res)
	}
	for _, id := range [][2]string{{"other@example.com", iss}, {who, "https://other.example.com"}} {
		if res, _ := Verify(context.Background(), dir, trust(id[0], id[1]), WithoutSCTsUnsafe()); res.Verified {
			t.Fatalf("verified as %v: %+v", id, res)
		}
	}
	other, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	otherTrust := Trust{Trust: verify.Trust{Identities: []verify.Identity{{Subject: who, Issuer: iss}}, TrustedMaterial: other}}
	if res, _ := Verify(context.Background(), dir, otherTrust, WithoutSCTsUnsafe()); res.Verified {
		t.Fatalf("verified under another Sigstore: %+v", res)
	}
	if err := os.WriteFile(filepath.Join(dir, "weights.bin"), []byte("0124"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, _ := Verify(context.Background(), dir, trust(who, iss), WithoutSCTsUnsafe()); res.Verified {
		t.Fatalf("verified after a change: %+v", res)
	}
	if c, err := Inspect(raw, DefaultLimits()); err != nil || c.Signer != who+" ("+iss+")" {
		t.Fatalf("inspect: %v %+v", err, c)
	}
}

// TestKeylessSignerNeedsServices: no certificate provider or no log is a
// configuration error.
func TestKeylessSignerNeedsServices(t *testing.T) {
	if _, err := NewSigstoreSigner(Sigstore{}); !errors.Is(err, ErrConfig) {
		t.Fatalf("no provider: %v", err)
	}
	if _, err := NewSigstoreSigner(Sigstore{CertificateProvider: virtualFulcio{}}); !errors.Is(err, ErrConfig) {
		t.Fatalf("no log: %v", err)
	}
	if _, err := NewKeylessSigner(verify.Keyless{FulcioURL: "https://f", RekorURL: "https://r"}); err == nil {
		t.Fatal("no token accepted")
	}
}
