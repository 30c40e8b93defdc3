// Package kubetest starts a real Kubernetes control plane for tests: etcd
// and kube-apiserver on 127.0.0.1, with serving certificates from a test CA,
// static-token authentication and RBAC. There is no controller-manager, no
// scheduler and no kubelet: objects are stored and admitted, never run.
//
// It is a test helper (like net/http/httptest): it takes a testing.TB,
// starts processes and stops them at the test's cleanup. Callers find the
// binaries (for aibom's tests: AIBOM_ETCD and AIBOM_KUBE_APISERVER).
package kubetest

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// AdminToken authenticates as a member of system:masters.
const AdminToken = "aibom-test-admin-token"

// Token is a static bearer token and the user it authenticates.
type Token struct {
	Token, User string
	Groups      []string
}

// Config says where the binaries are and what else to set up.
type Config struct {
	Etcd, APIServer string
	// Tokens are added to the static token file beside the admin's.
	Tokens []Token
	// StartTimeout bounds the wait for the API server's /readyz (default 3m:
	// the API server installs its built-in objects at start-up, slowly on a
	// loaded machine).
	StartTimeout time.Duration
}

// Cluster is a running control plane.
type Cluster struct {
	// CA signed the API server's serving certificate; NewCert signs more.
	CA *CA
	// URL is https://127.0.0.1:PORT.
	URL string
	dir string
	mu  sync.Mutex
	out *bytes.Buffer
}

// Start starts etcd and kube-apiserver and waits until the API server is
// ready. Both are killed at t's cleanup.
func Start(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 3 * time.Minute
	}
	dir := t.TempDir()
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{CA: ca, dir: dir, out: &bytes.Buffer{}}
	etcdURL := c.startEtcd(t, cfg.Etcd)
	c.startAPIServer(t, cfg, etcdURL)
	return c
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// lockedWriter lets two processes write one buffer.
type lockedWriter struct{ c *Cluster }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	if w.c.out.Len() > 4<<20 {
		return len(p), nil
	}
	return w.c.out.Write(p)
}

// Logs is what etcd and the API server printed (the first 4 MiB).
func (c *Cluster) Logs() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

func (c *Cluster) start(t testing.TB, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lockedWriter{c}, lockedWriter{c}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
}

func (c *Cluster) startEtcd(t testing.TB, bin string) string {
	t.Helper()
	client := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	peer := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	c.start(t, bin, "--name", "default", "--data-dir", filepath.Join(c.dir, "etcd"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "default="+peer)
	return client
}

func (c *Cluster) startAPIServer(t testing.TB, cfg Config, etcdURL string) {
	t.Helper()
	cert, key, err := c.CA.WriteServing(c.dir, "apiserver")
	if err != nil {
		t.Fatal(err)
	}
	saKey, err := writeSAKey(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	tokens := fmt.Sprintf("%s,admin,admin,\"system:masters\"\n", AdminToken)
	for i, tk := range cfg.Tokens {
		tokens += fmt.Sprintf("%s,%s,uid-%d,\"%s\"\n", tk.Token, tk.User, i, strings.Join(tk.Groups, ","))
	}
	tokenFile := filepath.Join(c.dir, "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte(tokens), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	c.URL = fmt.Sprintf("https://127.0.0.1:%d", port)
	c.start(t, cfg.APIServer,
		"--etcd-servers", etcdURL, "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(port), "--tls-cert-file", cert, "--tls-private-key-file", key,
		"--token-auth-file", tokenFile, "--authorization-mode", "RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc", "--service-account-key-file", saKey,
		"--service-account-signing-key-file", saKey, "--service-cluster-ip-range", "10.96.0.0/24",
		// No controller-manager creates the namespaces' default ServiceAccounts.
		"--disable-admission-plugins", "ServiceAccount",
		"--cert-dir", filepath.Join(c.dir, "certs"), "--profiling=false", "--v", "0")
	if err := c.waitReady(cfg.StartTimeout); err != nil {
		t.Fatalf("kube-apiserver did not become ready: %v\n%s", err, tail(c.Logs(), 8000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

func (c *Cluster) waitReady(timeout time.Duration) error {
	pool := c.CA.Pool()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last string
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+AdminToken)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("after %v: %s", timeout, last)
}

// Config is a client configuration that authenticates with token.
func (c *Cluster) Config(token string) *rest.Config {
	return &rest.Config{Host: c.URL, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: c.CA.PEM()},
		QPS: 100, Burst: 200, Timeout: 60 * time.Second}
}

// Dir is a directory removed at the test's end.
func (c *Cluster) Dir() string { return c.dir }
