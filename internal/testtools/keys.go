package testtools

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/sigstore/sigstore/pkg/signature"
)

// ECDSAKey returns a new ECDSA P-256 key that signs with SHA-256, the key
// 'cosign generate-key-pair' makes.
func ECDSAKey(t testing.TB) signature.SignerVerifier {
	t.Helper()
	pk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signature.LoadECDSASignerVerifier(pk, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}
