package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v2/pkg/cosign"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// cosignKeys writes an encrypted cosign key pair (password pw) and returns
// the paths of the private and the public key.
func cosignKeys(t *testing.T, pw string) (string, string) {
	t.Helper()
	keys, err := cosign.GenerateKeyPair(func(bool) ([]byte, error) { return []byte(pw), nil })
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	if err := os.WriteFile(priv, keys.PrivateBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, keys.PublicBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// pushRandom pushes a random image to host/repo:v1 and returns its digest.
func pushRandom(t *testing.T, host, repo string) name.Digest {
	t.Helper()
	img, err := random.Image(512, 2)
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
	h, _ := img.Digest()
	return tag.Context().Digest(h.String())
}

const (
	cliBOM  = `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"machine-learning-model","name":"tiny","version":"2"}},"components":[]}`
	cliScan = `{"files":[],"summary":{"files":0,"verdicts":{"clean":0},"findings":{},"worst":"clean"}}`
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSignAttestVerifyCLI drives the three verbs in both layouts, against
// registries with and without the referrers API, and checks the exit codes
// and the JSON contract.
func TestSignAttestVerifyCLI(t *testing.T) {
	t.Setenv("COSIGN_PASSWORD", "s3cret")
	priv, pub := cosignKeys(t, "s3cret")
	_, otherPub := cosignKeys(t, "x")
	bom, scan := writeFile(t, "bom.json", cliBOM), writeFile(t, "scan.json", cliScan)
	for _, api := range []bool{false, true} {
		for _, layout := range []string{"tags", "referrers"} {
			t.Run(layout, func(t *testing.T) {
				host := testtools.InProcessRegistry(t, api)
				d := pushRandom(t, host, "models/tiny")
				ref := "oci://" + host + "/models/tiny:v1"

				// Nothing attached yet: verification fails (1).
				if code, out, _ := run(t, "verify", ref, "--key", pub); code != ExitFindings || !strings.Contains(out, "NOT verified") {
					t.Fatalf("unsigned: exit %d\n%s", code, out)
				}
				if code, _, errs := run(t, "sign", ref, "--key", priv, "--layout", layout); code != ExitOK {
					t.Fatalf("sign: %d %s", code, errs)
				}
				// Signed, no BOM: the default --require signature,bom fails.
				code, out, _ := run(t, "verify", ref, "--key", pub, "--format", "json")
				if code != ExitFindings {
					t.Fatalf("signed only: exit %d\n%s", code, out)
				}
				if code, _, errs := run(t, "attest", ref, "--key", priv, "--bom", bom, "--scan", scan, "--layout", layout); code != ExitOK {
					t.Fatalf("attest: %d %s", code, errs)
				}
				code, out, _ = run(t, "verify", ref, "--key", pub, "--require", "signature,bom,scan", "--format", "json")
				if code != ExitOK {
					t.Fatalf("verify: exit %d\n%s", code, out)
				}
				var got struct {
					Digest   string          `json:"digest"`
					Verified map[string]bool `json:"verified"`
					Signers  []string        `json:"signers"`
					Problems []string        `json:"problems"`
				}
				if err := json.Unmarshal([]byte(out), &got); err != nil {
					t.Fatal(err)
				}
				if got.Digest != d.DigestStr() || !got.Verified["signature"] || !got.Verified["bom"] || !got.Verified["scan"] || len(got.Signers) != 1 || got.Problems == nil {
					t.Fatalf("json: %s", out)
				}
				code, out, _ = run(t, "verify", ref, "--key", pub, "--require", "signature,bom,scan")
				for _, want := range []string{"Verified: ", d.DigestStr(), "CycloneDX 1.6, tiny@2", "verdict clean", "Signers: " + pub} {
					if code != ExitOK || !strings.Contains(out, want) {
						t.Errorf("text output lacks %q (exit %d):\n%s", want, code, out)
					}
				}
				// The wrong key: exit 1, with a reason.
				code, out, _ = run(t, "verify", ref, "--key", otherPub)
				if code != ExitFindings || !strings.Contains(out, "no trusted key") {
					t.Fatalf("wrong key: exit %d\n%s", code, out)
				}
			})
		}
	}
}

// TestVerifyUsageErrors: configuration mistakes exit 2.
func TestVerifyUsageErrors(t *testing.T) {
	_, pub := cosignKeys(t, "")
	cases := [][]string{
		{"verify", "oci://127.0.0.1:1/x:v1"},
		{"verify", "oci://127.0.0.1:1/x:v1", "--key", pub, "--require", "signature,nope"},
		{"verify", "oci://127.0.0.1:1/x:v1", "--certificate-identity", "", "--certificate-oidc-issuer", "https://i"},
		{"verify", "oci://127.0.0.1:1/x:v1", "--certificate-identity", "a@example.com"},
		{"verify", "oci://127.0.0.1:1/x:v1", "--certificate-identity", "a@example.com", "--certificate-oidc-issuer", "https://i"},
		{"verify", "oci://127.0.0.1:1/x:v1", "--key", pub, "--format", "yaml"},
		{"verify", "oci://127.0.0.1:1/x:v1", "--key", "/does/not/exist.pub"},
		{"attest", "oci://127.0.0.1:1/x:v1", "--key", pub},
		{"sign", "oci://127.0.0.1:1/x:v1"},
		{"sign", "oci://127.0.0.1:1/x:v1", "--key", pub, "--layout", "sideways"},
	}
	for _, args := range cases {
		if code, _, errs := run(t, args...); code != ExitError || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}
