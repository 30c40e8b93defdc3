package admission

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// writeCert writes a self-signed certificate for 127.0.0.1 named cn.
func writeCert(t *testing.T, dir, cn string) (certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	// As a Secret volume does: the new files appear whole.
	for f, b := range map[string][]byte{certFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyFile: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})} {
		if err := os.WriteFile(f+".tmp", b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f+".tmp", f); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

func servedCN(t *testing.T, addr string) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].Subject.CommonName
}

func TestCertificateReloadsWhenFilesChange(t *testing.T) {
	dir := t.TempDir()
	cf, kf := writeCert(t, dir, "first")
	r, err := NewCertReloader(cf, kf, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", r.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	addr := ln.Addr().String()
	if cn := servedCN(t, addr); cn != "first" {
		t.Fatalf("served %q", cn)
	}
	writeCert(t, dir, "second")
	deadline := time.Now().Add(5 * time.Second)
	for servedCN(t, addr) != "second" {
		if time.Now().After(deadline) {
			t.Fatal("the renewed certificate was never served")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A broken renewal keeps the working certificate.
	if err := os.WriteFile(kf, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	if cn := servedCN(t, addr); cn != "second" {
		t.Fatalf("after a broken renewal, served %q", cn)
	}
	if _, err := NewCertReloader(cf, kf, nil); err == nil || !strings.Contains(err.Error(), kf) {
		t.Errorf("loading a broken key: %v", err)
	}
}

func TestMuxHealthReadyMetrics(t *testing.T) {
	e := newEnv(t)
	refs, _ := signedSet(e)
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	ready := false
	c := NewCache(10, time.Hour)
	srv := httptest.NewTLSServer(Mux(e.handler(WithMetrics(m), WithCache(c)), reg, func() bool { return ready }))
	defer srv.Close()
	get := func(p string) (int, string) {
		resp, err := srv.Client().Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz %d", code)
	}
	if code, _ := get("/readyz"); code != 503 {
		t.Errorf("/readyz before ready: %d", code)
	}
	ready = true
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz %d", code)
	}
	if r := post(t, srv, "/validate", review(t, "deployment.json", refs)); !r.Allowed {
		t.Fatal(message(r))
	}
	post(t, srv, "/validate", review(t, "deployment.json", refs))
	e.push("models/unsigned")
	refs["IMAGE_A"] = e.host + "/models/unsigned:v1"
	post(t, srv, "/validate", review(t, "deployment.json", refs))
	_, body := get("/metrics")
	for _, want := range []string{
		`aibom_webhook_decisions_total{decision="allow",kind="Deployment"} 2`,
		`aibom_webhook_decisions_total{decision="deny",kind="Deployment"} 1`,
		`aibom_webhook_cache_hits_total 1`,
		`aibom_webhook_cache_misses_total 2`,
		`aibom_webhook_decision_duration_seconds_count{decision="allow"} 2`,
		`aibom_webhook_registry_errors_total 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	resp, err := srv.Client().Get(srv.URL + "/validate")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /validate: %d", resp.StatusCode)
	}
}
