package cli

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// TestPushSignModelCLI: push --sign-model signs the files (OMS) and the
// digest (cosign); verify --require model-signing and pull --key with it
// accept the artifact with the right key only.
func TestPushSignModelCLI(t *testing.T) {
	t.Setenv("COSIGN_PASSWORD", "pw")
	priv, pub := cosignKeys(t, "pw")
	_, otherPub := cosignKeys(t, "pw")
	host := testtools.InProcessRegistry(t, true)
	ref := "oci://" + host + "/m/signed:v1"
	src := t.TempDir()
	for p, c := range map[string]string{
		"model.safetensors":  "\x08\x00\x00\x00\x00\x00\x00\x00{}      ",
		"config.json":        `{"model_type":"llama"}`,
		"README.md":          "# m\n",
		"sub/tokenizer.json": `{}`,
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(src, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		put(t, filepath.Join(src, p), c)
	}
	code, out, errs := run(t, "push", src, ref, "--sign-model", priv, "--format", "json")
	if code != ExitOK || !strings.Contains(out, `"signed":true`) {
		t.Fatalf("push --sign-model: exit %d, %s %s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(src, "model.sig")); err == nil {
		t.Fatal("push --sign-model wrote model.sig into the folder")
	}
	code, out, errs = run(t, "verify", ref, "--key", pub, "--require", "signature,model-signing", "--format", "json")
	var res struct {
		Verified map[string]bool
		Problems []string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("verify output %q: %v", out, err)
	}
	if code != ExitOK || !res.Verified["model-signing"] || !res.Verified["signature"] {
		t.Fatalf("verify: exit %d, %s %s", code, out, errs)
	}
	if code, out, _ := run(t, "verify", ref, "--key", otherPub, "--require", "model-signing"); code != ExitFindings || !strings.Contains(out, "model-signing MISSING") {
		t.Fatalf("other key: exit %d, %s", code, out)
	}
	if code, _, _ := run(t, "verify", ref, "--key", pub, "--require", "model-signing,bogus"); code != ExitError {
		t.Fatalf("unknown requirement: exit %d", code)
	}
	dst := filepath.Join(t.TempDir(), "pulled")
	if code, _, errs := run(t, "pull", ref, dst, "--key", pub, "--require", "model-signing"); code != ExitOK {
		t.Fatalf("pull --require model-signing: exit %d, %s", code, errs)
	}
	// An unsigned push of the same folder elsewhere: refused.
	ref2 := "oci://" + host + "/m/unsigned:v1"
	if code, _, errs := run(t, "push", src, ref2); code != ExitOK {
		t.Fatalf("push: %d %s", code, errs)
	}
	dst = filepath.Join(t.TempDir(), "refused")
	if code, _, _ := run(t, "pull", ref2, dst, "--key", pub, "--require", "model-signing"); code != ExitFindings {
		t.Fatalf("pull of an unsigned model with --require model-signing: exit %d", code)
	}
}

// TestSignModelKeylessUsage: `sign DIR` needs --key or --identity-token;
// a certificate flag without --key is a usage error; a keyless signing
// whose Fulcio cannot be reached fails without writing model.sig.
func TestSignModelKeylessUsage(t *testing.T) {
	dir := t.TempDir()
	put(t, filepath.Join(dir, "w.bin"), "0123")
	if code, _, _ := run(t, "sign", dir); code != ExitError {
		t.Fatalf("no signer: exit %d", code)
	}
	if code, _, _ := run(t, "sign", dir, "--identity-token", "x.y.z", "--signing-certificate", "c.pem"); code != ExitError {
		t.Fatalf("certificate without a key: exit %d", code)
	}
	// A closed port on loopback: Fulcio is unreachable.
	srv := httptest.NewServer(nil)
	url := srv.URL
	srv.Close()
	code, _, errs := run(t, "sign", dir, "--identity-token", "x.y.z", "--fulcio-url", url, "--rekor-url", url)
	if code == ExitOK {
		t.Fatalf("keyless with no Fulcio: exit 0 (%s)", errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "model.sig")); err == nil {
		t.Fatal("model.sig written although signing failed")
	}
}
