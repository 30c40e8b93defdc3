package cli

import (
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// replaceFile writes body to path through a temporary file and a rename, as
// a rotated Secret or ConfigMap changes.
func replaceFile(t *testing.T, path string, body []byte) {
	t.Helper()
	if err := os.WriteFile(path+".tmp", body, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

// waitFor asks the webhook about img until it answers want.
func waitFor(t *testing.T, addr, img string, want bool, stderr *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, msg := validate(t, addr, img)
		if ok == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: allowed=%v (%s), want %v: the reload never took effect\n%s", img, ok, msg, want, stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitLog waits until the webhook has logged s n times.
func waitLog(t *testing.T, stderr *syncBuffer, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(stderr.String(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%q was not logged %d times:\n%s", s, n, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// reloadCase signs two images with two keys and starts the webhook trusting
// the old key, from the file that keyFile names: the flags, or --config.
func testKeyRotation(t *testing.T, start func(keyFile string) (string, *syncBuffer)) {
	t.Setenv("COSIGN_PASSWORD", "pw")
	oldPriv, oldPub := cosignKeys(t, "pw")
	newPriv, newPub := cosignKeys(t, "pw")
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	pushRandom(t, host, "models/old")
	pushRandom(t, host, "models/new")
	oldImg, newImg := host+"/models/old:v1", host+"/models/new:v1"
	for img, priv := range map[string]string{oldImg: oldPriv, newImg: newPriv} {
		if code, _, errs := run(t, "sign", "oci://"+img, "--key", priv); code != ExitOK {
			t.Fatal(errs)
		}
	}
	keyFile := filepath.Join(t.TempDir(), "cosign.pub")
	oldKey, err := os.ReadFile(oldPub)
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := os.ReadFile(newPub)
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, keyFile, oldKey)
	addr, stderr := start(keyFile)
	// Before: the old key's image is admitted (and its verification
	// cached), the new key's is denied.
	if ok, msg := validate(t, addr, oldImg); !ok {
		t.Fatalf("before the rotation, the old key's image: %s", msg)
	}
	if ok, msg := validate(t, addr, newImg); ok || !strings.Contains(msg, "signature") {
		t.Fatalf("before the rotation, the new key's image: allowed=%v %s", ok, msg)
	}
	replaceFile(t, keyFile, newKey)
	waitFor(t, addr, newImg, true, stderr)
	// The cached pass of the old key's image is not reused under the new
	// trust.
	if ok, msg := validate(t, addr, oldImg); ok || !strings.Contains(msg, "signature") {
		t.Errorf("after the rotation, the old key's image: allowed=%v %s", ok, msg)
	}
	// A key file that does not load keeps the new key in use.
	replaceFile(t, keyFile, []byte("-----BEGIN PUBLIC KEY-----\nbroken\n-----END PUBLIC KEY-----\n"))
	waitLog(t, stderr, "configuration reload failed", 1)
	if ok, msg := validate(t, addr, newImg); !ok {
		t.Errorf("a broken key file replaced the working key: %s", msg)
	}
	if ok, _ := validate(t, addr, oldImg); ok {
		t.Error("a broken key file brought the old key back")
	}
}

// --key: a rotated public key is reloaded.
func TestWebhookKeyReload(t *testing.T) {
	testKeyRotation(t, func(keyFile string) (string, *syncBuffer) {
		return startWebhook(t, "--key", keyFile, "--require", "signature")
	})
}

// --config: a key file that the configuration names is reloaded, though
// the configuration file itself does not change.
func TestWebhookConfigKeyReload(t *testing.T) {
	testKeyRotation(t, func(keyFile string) (string, *syncBuffer) {
		cfg := writeFile(t, "webhook.yaml", fmt.Sprintf("apiVersion: aibom.dev/v1alpha1\nkind: WebhookConfiguration\n"+
			"trustRoots: [{name: k, keys: [%q]}]\nrules: [{name: r, trustRoots: [k], require: [signature]}]\n", keyFile))
		return startWebhook(t, "--config", cfg)
	})
}

// --policy DIR: a changed policy file is reloaded; one that does not
// compile keeps the previous policies.
func TestWebhookPolicyReload(t *testing.T) {
	t.Setenv("COSIGN_PASSWORD", "pw")
	priv, pub := cosignKeys(t, "pw")
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	pushRandom(t, host, "models/m")
	img := host + "/models/m:v1"
	if code, _, errs := run(t, "sign", "oci://"+img, "--key", priv); code != ExitOK {
		t.Fatal(errs)
	}
	dir := t.TempDir()
	// podReview's namespace is ml.
	policy := func(ns string) []byte {
		return fmt.Appendf(nil, "package freeze\n\ndeny contains {\"rule\": \"FREEZE\", \"msg\": \"frozen: no new models\"} if input.context.namespace == %q\n", ns)
	}
	file := filepath.Join(dir, "freeze.rego")
	replaceFile(t, file, policy("nowhere"))
	addr, stderr := startWebhook(t, "--key", pub, "--require", "signature", "--policy", dir)
	if ok, msg := validate(t, addr, img); !ok {
		t.Fatalf("before the policy change: %s", msg)
	}
	replaceFile(t, file, policy("ml"))
	waitFor(t, addr, img, false, stderr)
	if _, msg := validate(t, addr, img); !strings.Contains(msg, "frozen") {
		t.Errorf("the new policy's message is missing: %s", msg)
	}
	replaceFile(t, file, []byte("package aibom.freeze\n\nthis is not rego\n"))
	waitLog(t, stderr, "configuration reload failed", 1)
	if ok, msg := validate(t, addr, img); ok || !strings.Contains(msg, "frozen") {
		t.Errorf("a policy that does not compile replaced the working one: allowed=%v %s", ok, msg)
	}
}
