package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func TestWebhookConfigUsage(t *testing.T) {
	_, pub := cosignKeys(t, "x")
	cert, key := selfSigned(t)
	bad := writeFile(t, "bad.yaml", "apiVersion: aibom.dev/v1alpha1\nkind: WebhookConfiguration\ntrustRoots: [{name: k, keys: ["+pub+"]}]\nrules: [{name: r, trustRoots: [k], mode: enforced}]\n")
	good := writeFile(t, "good.yaml", "apiVersion: aibom.dev/v1alpha1\nkind: WebhookConfiguration\ntrustRoots: [{name: k, keys: ["+pub+"]}]\nrules: [{name: r, trustRoots: [k]}]\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", bad}, "rules[0].mode"},
		{[]string{"--config", good, "--key", pub}, "--key and --config"},
		{[]string{"--config", good, "--require", "signature"}, "--require and --config"},
		{[]string{"--certificate-identity", "", "--certificate-oidc-issuer", "https://issuer"}, "--certificate-identity is empty"},
		{[]string{"--certificate-identity", "a@example.com", "--certificate-oidc-issuer", "https://issuer"}, "trusted"},
		{[]string{"--pull-secrets", "--key", pub, "--kubeconfig", writeFile(t, "kc", "nonsense: [")}, "--pull-secrets"},
	} {
		args := append([]string{"webhook", "--addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key}, c.args...)
		if code, _, errs := run(t, args...); code != ExitError || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// startWebhook runs `aibom webhook` until t ends and waits until it is ready.
func startWebhook(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	cert, key := selfSigned(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- Run(ctx, append([]string{"webhook", "--addr", addr, "--tls-cert", cert, "--tls-key", key}, args...), io.Discard, &stderr)
	}()
	t.Cleanup(func() { cancel(); <-exited })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := insecureClient().Get("https://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr, &stderr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook never became ready: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func insecureClient() *http.Client {
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

func validate(t *testing.T, addr, image string) (bool, string) {
	t.Helper()
	resp, err := insecureClient().Post("https://"+addr+"/validate", "application/json", bytes.NewReader(podReview(image)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Response struct {
			Allowed bool `json:"allowed"`
			Status  struct {
				Message string `json:"message"`
			} `json:"status"`
		} `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Response.Allowed, out.Response.Status.Message
}

// --config is reloaded when the file changes; a version that does not load
// leaves the previous one in use.
func TestWebhookConfigReload(t *testing.T) {
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
	cfg := func(ns string) string {
		return fmt.Sprintf("apiVersion: aibom.dev/v1alpha1\nkind: WebhookConfiguration\ntrustRoots: [{name: k, keys: [%q]}]\nrules: [{name: r, namespaces: [%q], trustRoots: [k], require: [signature]}]\n", pub, ns)
	}
	file := writeFile(t, "webhook.yaml", cfg("other"))
	addr, stderr := startWebhook(t, "--config", file)
	// podReview's namespace is ml: no rule covers it.
	if ok, msg := validate(t, addr, img); ok || !strings.Contains(msg, "no rule") {
		t.Fatalf("before the reload: %v %s", ok, msg)
	}
	write := func(doc string) {
		if err := os.WriteFile(file+".tmp", []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(file+".tmp", file); err != nil {
			t.Fatal(err)
		}
	}
	write(cfg("m*"))
	wait := func(want bool) string {
		deadline := time.Now().Add(30 * time.Second)
		for {
			ok, msg := validate(t, addr, img)
			if ok == want {
				return msg
			}
			if time.Now().After(deadline) {
				t.Fatalf("the reload never took effect (allowed=%v %s)\n%s", ok, msg, stderr.String())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	wait(true)
	write("apiVersion: aibom.dev/v1alpha1\nkind: WebhookConfiguration\nrules: [{name: r, trustRoots: [gone]}]\n")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "configuration reload failed") {
		if time.Now().After(deadline) {
			t.Fatalf("a broken configuration was not reported:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if ok, msg := validate(t, addr, img); !ok {
		t.Errorf("a broken configuration replaced the working one: %s", msg)
	}
}
