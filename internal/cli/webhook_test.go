package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func selfSigned(t *testing.T) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "aibom-webhook"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalPKCS8PrivateKey(k)
	c := writeFile(t, "tls.crt", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	kf := writeFile(t, "tls.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})))
	return c, kf
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func podReview(image string) []byte {
	return fmt.Appendf(nil, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"ml","name":"p","operation":"CREATE","userInfo":{"username":"alice"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ml"},"spec":{"containers":[{"name":"c","image":%q}]}}}}`, image)
}

// TestWebhookServes runs `aibom webhook` with its start-up contract, signs an
// image with `aibom sign` / `aibom attest`, and asks it over HTTPS.
func TestWebhookServes(t *testing.T) {
	t.Setenv("COSIGN_PASSWORD", "pw")
	priv, pub := cosignKeys(t, "pw")
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	pushRandom(t, host, "models/good")
	pushRandom(t, host, "models/bad")
	good := host + "/models/good:v1"
	bom := writeFile(t, "bom.json", fmt.Sprintf(`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"timestamp":%q,"component":{"type":"machine-learning-model","name":"tiny"}},"components":[]}`, time.Now().UTC().Format(time.RFC3339)))
	for _, args := range [][]string{{"sign", "oci://" + good, "--key", priv}, {"attest", "oci://" + good, "--key", priv, "--bom", bom}} {
		if code, _, errs := run(t, args...); code != ExitOK {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
	}
	cert, key := selfSigned(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- Run(ctx, []string{"webhook", "--addr", addr, "--tls-cert", cert, "--tls-key", key, "--key", pub, "--require", "signature,bom"}, io.Discard, &stderr)
	}()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get("https://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the webhook never became ready: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for image, allowed := range map[string]bool{good: true, host + "/models/bad:v1": false} {
		resp, err := client.Post("https://"+addr+"/validate", "application/json", bytes.NewReader(podReview(image)))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Response struct {
				UID     string `json:"uid"`
				Allowed bool   `json:"allowed"`
				Status  struct {
					Message string `json:"message"`
				} `json:"status"`
			} `json:"response"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if out.Response.Allowed != allowed || out.Response.UID != "u-1" {
			t.Errorf("%s: allowed=%v want %v: %s", image, out.Response.Allowed, allowed, out.Response.Status.Message)
		}
		if !allowed && !strings.Contains(out.Response.Status.Message, "SIGNATURE-REQUIRED") {
			t.Errorf("denial message: %s", out.Response.Status.Message)
		}
	}
	cancel()
	select {
	case code := <-exited:
		if code != ExitOK {
			t.Errorf("exit %d after shutdown: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the webhook did not stop")
	}
	audits := 0
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("stderr line is not JSON: %q", line)
		}
		if rec["msg"] == "admission" {
			audits++
			if rec["uid"] != "u-1" || rec["kind"] != "Pod" {
				t.Errorf("audit record: %v", rec)
			}
		}
	}
	if audits != 2 {
		t.Errorf("%d audit records, want 2:\n%s", audits, stderr.String())
	}
}

func TestWebhookUsageErrors(t *testing.T) {
	_, pub := cosignKeys(t, "x")
	cert, key := selfSigned(t)
	for _, args := range [][]string{
		{"webhook", "--tls-cert", cert, "--tls-key", key},
		{"webhook", "--tls-cert", cert, "--tls-key", key, "--key", pub, "--require", "signature,nope"},
		{"webhook", "--tls-cert", cert, "--tls-key", filepath.Join(t.TempDir(), "missing.key"), "--key", pub, "--addr", "127.0.0.1:0"},
		{"webhook", "--tls-cert", cert, "--tls-key", key, "--key", pub, "--policy", filepath.Join(t.TempDir(), "none")},
	} {
		if code, _, errs := run(t, args...); code != ExitError || errs == "" {
			t.Errorf("%v: exit %d %q", args, code, errs)
		}
	}
}
