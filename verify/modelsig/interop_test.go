package modelsig

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/verify"
)

// interopDir is found by walking up from the package: the shared folder sits
// beside the checkout (../shared/interop/oms from the repository root or from
// its parent).
func interopDir() string {
	d, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	for range 6 {
		p := filepath.Join(d, "shared", "interop", "oms")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		d = filepath.Dir(d)
	}
	return ""
}

type vector struct {
	name  string
	model string // relative to the vector folder; "" = the folder
	cert  bool   // verify with the CA; else with the public key
}

var vectors = []vector{
	{name: "v0.2.0-certificate", cert: true},
	{name: "v0.3.1-certificate", cert: true},
	{name: "v1.0.0-certificate", cert: true},
	{name: "v1.1.0-certificate", cert: true},
	{name: "v0.3.1-elliptic-key", model: "signme-1"},
	{name: "v1.0.0-elliptic-key", model: "signme-1"},
	{name: "v1.1.0-elliptic-key"},
}

func interop(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("AIBOM_OMS_INTEROP")
	if dir == "" {
		dir = interopDir()
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("OMS interop vectors missing at %s: %v", dir, err)
		}
		t.Skipf("OMS interop vectors not found at %s (set AIBOM_OMS_INTEROP)", dir)
	}
	return dir
}

// copyVector copies a vector folder to a temporary folder, so that tests can
// change it.
func copyVector(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func keyTrust(t *testing.T, pubPath string) Trust {
	t.Helper()
	v, err := verify.LoadPublicKey(context.Background(), pubPath)
	if err != nil {
		t.Fatal(err)
	}
	return Trust{Trust: verify.Trust{Keys: []verify.Key{{Name: "test key", Verifier: v}}}}
}

func caTrust(t *testing.T, caPath string) Trust {
	t.Helper()
	certs, err := LoadCertificates(caPath)
	if err != nil {
		t.Fatal(err)
	}
	return Trust{CertificateChain: certs}
}

func (v vector) trust(t *testing.T, dir string) Trust {
	if v.cert {
		return caTrust(t, filepath.Join(dir, "keys/certificate/ca-cert.pem"))
	}
	return keyTrust(t, filepath.Join(dir, "keys/certificate/signing-key-pub.pem"))
}

// wrongTrust is another CA for a certificate vector, another key for a key
// vector.
func (v vector) wrongTrust(t *testing.T, dir string) Trust {
	if v.cert {
		return caTrust(t, writeCA(t))
	}
	// The CA's own key did not sign.
	return keyTrust(t, writePub(t, filepath.Join(dir, "keys/certificate/ca-cert.pem")))
}

func verifyVector(t *testing.T, folder string, v vector, trust Trust, opts ...Option) *Result {
	t.Helper()
	model := folder
	if v.model != "" {
		model = filepath.Join(folder, v.model)
		opts = append(opts, WithSignature(filepath.Join(folder, "model.sig")))
	}
	// v1.1 records its ignore paths; older releases are given them.
	if _, err := os.Stat(filepath.Join(folder, "ignore-me")); err == nil && !strings.HasPrefix(v.name, "v1.1") {
		opts = append(opts, WithIgnorePaths("ignore-me"))
	}
	res, err := Verify(context.Background(), model, trust, opts...)
	if err != nil {
		t.Fatalf("%s: %v", v.name, err)
	}
	return res
}

func TestInteropVectorsVerify(t *testing.T) {
	dir := interop(t)
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			res := verifyVector(t, filepath.Join(dir, v.name), v, v.trust(t, dir))
			if !res.Verified || len(res.Signers) != 1 || res.Files == 0 {
				b, _ := json.Marshal(res)
				t.Fatalf("not verified: %s", b)
			}
		})
	}
}
