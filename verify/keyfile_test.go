package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// cosignKeys runs the real cosign CLI in a fresh folder with password pw:
// generate-key-pair, or import-key-pair of the PEM private key given.
func cosignKeys(t *testing.T, pw string, importPEM []byte) (priv, pub string) {
	t.Helper()
	cosign := testtools.Tool(t, "AIBOM_COSIGN", "cosign-v2.6.5/cosign")
	dir := t.TempDir()
	args := []string{"generate-key-pair"}
	if importPEM != nil {
		if err := os.WriteFile(filepath.Join(dir, "in.pem"), importPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		args = []string{"import-key-pair", "--key", "in.pem", "--output-key-prefix", "cosign", "--yes"}
	}
	cmd := exec.Command(cosign, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "COSIGN_PASSWORD="+pw, "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
}

func pemOf(t *testing.T, typ string, der []byte, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// signAndCheck signs with the private key and checks the signature, loads
// the public key, and checks that the two are the same key. The public key
// is a SHA-256 verifier, as cosign's: it checks signatures of ECDSA P-256
// and RSA keys; cosign signs with SHA-384 for P-384 and with Ed25519ph for
// Ed25519, which only a verifier for that hash (like the signer) checks.
func signAndCheck(t *testing.T, priv, pub, pw string) signature.SignerVerifier {
	t.Helper()
	ctx := context.Background()
	sv, err := LoadSignerVerifier(ctx, priv, []byte(pw))
	if err != nil {
		t.Fatalf("loading %s: %v", priv, err)
	}
	v, err := LoadPublicKey(ctx, pub)
	if err != nil {
		t.Fatalf("loading %s: %v", pub, err)
	}
	msg := []byte("aibom key test")
	sig, err := sv.SignMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	checker := signature.Verifier(sv)
	if h, err := signature.GetDefaultAlgorithmDetails(mustPub(t, sv)); err == nil && h.GetHashType() == crypto.SHA256 {
		checker = v // the loaded public key checks what the private key signs
	}
	if err := checker.VerifySignature(bytes.NewReader(sig), bytes.NewReader(msg)); err != nil {
		t.Fatalf("the signature of %s does not verify: %v", priv, err)
	}
	if err := checker.VerifySignature(bytes.NewReader(sig), bytes.NewReader([]byte("other"))); err == nil {
		t.Fatal("a signature verified over another message")
	}
	if a, b := mustPub(t, sv), mustPub(t, v); !a.(interface{ Equal(crypto.PublicKey) bool }).Equal(b) {
		t.Fatalf("%s and %s are not the same key", priv, pub)
	}
	if _, err := NewSigner(sv); err != nil {
		t.Fatal(err)
	}
	return sv
}

func mustPub(t *testing.T, p signature.PublicKeyProvider) crypto.PublicKey {
	t.Helper()
	k, err := p.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestCosignKeyFiles: keys written by the real cosign CLI
// (generate-key-pair, import-key-pair of EC, RSA and Ed25519 keys, with and
// without a password) load, sign, and verify with their public keys.
func TestCosignKeyFiles(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ecDER, ecErr := x509.MarshalECPrivateKey(ec)
	edDER, edErr := x509.MarshalPKCS8PrivateKey(ed)
	for _, tc := range []struct {
		name, pw string
		in       []byte
	}{
		{"generated", "s3cret", nil},
		{"generated-no-password", "", nil},
		{"imported-ec-p384", "pw", pemOf(t, "EC PRIVATE KEY", ecDER, ecErr)},
		{"imported-rsa", "pw", pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk), nil)},
		{"imported-ed25519", "pw", pemOf(t, "PRIVATE KEY", edDER, edErr)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			priv, pub := cosignKeys(t, tc.pw, tc.in)
			sv := signAndCheck(t, priv, pub, tc.pw)
			if tc.name == "imported-ed25519" {
				// cosign signs with Ed25519ph (the only Ed25519 mode of
				// hashedrekord); so must a cosign key loaded here.
				if _, ok := sv.(*signature.ED25519phSignerVerifier); !ok {
					t.Errorf("Ed25519 key loaded as %T, want ED25519ph as cosign does", sv)
				}
			}
			if tc.name != "generated" {
				return // each decryption runs scrypt: slow under -race
			}
			_, err := LoadSigner(context.Background(), priv, []byte(tc.pw+"x"))
			if !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), priv) {
				t.Errorf("wrong password: %v, want ErrKey naming the file", err)
			}
		})
	}
}

// TestCosignVerifiesOurSignature: a blob signed with a cosign key file
// loaded here passes `cosign verify-blob` (offline).
func TestCosignVerifiesOurSignature(t *testing.T) {
	cosign := testtools.Tool(t, "AIBOM_COSIGN", "cosign-v2.6.5/cosign")
	priv, pub := "testdata/keys/ecdsa-p256.key", "testdata/keys/ecdsa-p256.pub" // by cosign v2.6.5
	sv, err := LoadSignerVerifier(context.Background(), priv, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	blob := filepath.Join(dir, "blob")
	msg := []byte("signed by aibom")
	sig, err := sv.SignMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blob, msg, 0o600); err != nil {
		t.Fatal(err)
	}
	sigPath := filepath.Join(dir, "blob.sig")
	if err := os.WriteFile(sigPath, []byte(base64.StdEncoding.EncodeToString(sig)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cosign, "verify-blob", "--key", pub, "--signature", sigPath, "--insecure-ignore-tlog", blob)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign verify-blob: %v\n%s", err, out)
	}
}

// TestKeyRefSchemes: a key given through a registered KeySource (as the
// CLI registers env://) or an http URL loads like a file; secret-store references are refused with a configuration error
// that says to mount the secret; unknown schemes, oversized files and
// files that are not keys fail with the reference named.
func TestKeyRefSchemes(t *testing.T) {
	ctx := context.Background()
	priv, pub := "testdata/keys/ecdsa-p256.key", "testdata/keys/ecdsa-p256.pub" // by cosign v2.6.5
	pubPEM, err := os.ReadFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	privPEM, err := os.ReadFile(priv)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string][]byte{"AIBOM_TEST_PUB": pubPEM, "AIBOM_TEST_KEY": privPEM, "BIG": bytes.Repeat([]byte("A"), maxKeyBytes+1)}
	AddKeySource("testenv://", func(_ context.Context, name string) ([]byte, error) {
		if b, ok := env[name]; ok {
			return b, nil
		}
		return nil, errors.New(name + " is not set")
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/cosign.pub" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(pubPEM)
	}))
	defer srv.Close()
	signAndCheck(t, "testenv://AIBOM_TEST_KEY", "testenv://AIBOM_TEST_PUB", "pw")
	signAndCheck(t, priv, srv.URL+"/cosign.pub", "pw")
	if _, err := LoadPublicKey(ctx, srv.URL+"/missing.pub"); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing URL: %v", err)
	}
	if _, err := LoadPublicKey(ctx, "testenv://AIBOM_TEST_UNSET"); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "not set") {
		t.Errorf("unset variable: %v", err)
	}
	if _, err := LoadPublicKey(ctx, "testenv://BIG"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized key from a key source: %v", err)
	}
	for _, ref := range []string{"k8s://ns/secret", "gitlab://group/project", "github://org/repo", "pkcs11:token=x;object=y"} {
		_, err := LoadSigner(ctx, ref, nil)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "mount the secret") {
			t.Errorf("LoadSigner(%s): %v, want ErrConfig saying to mount the secret as a file", ref, err)
		}
		if _, err := LoadPublicKey(ctx, ref); !errors.Is(err, ErrConfig) {
			t.Errorf("LoadPublicKey(%s): %v, want ErrConfig", ref, err)
		}
	}
	if _, err := LoadPublicKey(ctx, "nosuchkms://key"); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `"nosuchkms"`) {
		t.Errorf("unknown scheme: %v", err)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pub")
	if err := os.WriteFile(big, bytes.Repeat([]byte("A"), maxKeyBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPublicKey(ctx, big); !errors.Is(err, ErrKey) || !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized key file: %v", err)
	}
	// A public key is not a private key, nor the reverse.
	if _, err := LoadSigner(ctx, pub, []byte("pw")); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "PUBLIC KEY") {
		t.Errorf("public key as signing key: %v", err)
	}
	if _, err := LoadPublicKey(ctx, priv); !errors.Is(err, ErrKey) {
		t.Errorf("private key as public key: %v", err)
	}
	if _, err := LoadPublicKey(ctx, filepath.Join(dir, "none.pub")); !errors.Is(err, ErrKey) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestKeyFileFormats: the committed keys (written by cosign v2.6.5, with
// password "pw") load under their PEM type and under the older "ENCRYPTED
// COSIGN PRIVATE KEY"; an unencrypted PKCS #8 key is not a cosign key file
// (cosign refuses it too), and the error names the PEM type.
func TestKeyFileFormats(t *testing.T) {
	for _, name := range []string{"ecdsa-p256", "ed25519", "rsa"} {
		b, err := os.ReadFile("testdata/keys/" + name + ".key")
		if err != nil {
			t.Fatal(err)
		}
		signAndCheck(t, "testdata/keys/"+name+".key", "testdata/keys/"+name+".pub", "pw")
		if name != "ecdsa-p256" {
			continue // the PEM type does not depend on the key type
		}
		blk, _ := pem.Decode(b)
		blk.Type = pemCosignPrivateKey
		if _, err := parseCosignPrivateKey(pem.EncodeToMemory(blk), []byte("pw")); err != nil {
			t.Errorf("%s as %q: %v", name, pemCosignPrivateKey, err)
		}
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.MarshalPKCS8PrivateKey(k)
	b := pemOf(t, "PRIVATE KEY", der, err)
	if _, err := parseCosignPrivateKey(b, nil); err == nil || !strings.Contains(err.Error(), `"PRIVATE KEY"`) {
		t.Errorf("plain PKCS #8: %v", err)
	}
	if _, err := parseCosignPrivateKey([]byte("not pem"), nil); err == nil {
		t.Error("non-PEM bytes loaded")
	}
}

// FuzzParseKeys: key files (cosign private keys, PEM public keys) never
// panic the parsers, and a private key that loads has a public key that
// signs and verifies.
func FuzzParseKeys(f *testing.F) {
	for _, pat := range []string{"testdata/keys/*.key", "testdata/keys/*.pub"} {
		ms, _ := filepath.Glob(pat)
		for _, m := range ms {
			b, err := os.ReadFile(m)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parsePublicKeyPEM(b)
		sv, err := parseCosignPrivateKey(b, []byte("pw"))
		if err != nil {
			return
		}
		sig, err := sv.SignMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := sv.VerifySignature(bytes.NewReader(sig), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
		if _, err := sv.PublicKey(); err != nil {
			t.Fatal(err)
		}
	})
}
