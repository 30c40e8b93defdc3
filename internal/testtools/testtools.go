// Package testtools starts the real tools end-to-end tests run against:
// the binaries .ci/run installs (cosign, the distribution registry, oras,
// ...) and a registry on a loopback port. It is for tests only.
package testtools

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Tool finds a CI tool: $env (set by .ci/run), else its path under the CI
// cache (~/.cache/aibom-ci/bin/cached). A missing tool skips the test
// locally and fails it under CI=true.
func Tool(t testing.TB, env, cached string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		home, _ := os.UserHomeDir()
		p = filepath.Join(home, ".cache", "aibom-ci", "bin", cached)
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v (set %s, or run .ci/run)", env, err, env)
		}
		t.Skipf("%s not installed at %s (set %s, or run .ci/run)", env, p, env)
	}
	return p
}

// StartRegistry runs the CNCF distribution registry binary ($AIBOM_REGISTRY)
// on a free loopback port, storing in a temporary folder with deletes
// enabled, and returns its host:port once /v2/ answers 200. It has no
// referrers API. It is stopped when the test ends.
func StartRegistry(t testing.TB) string {
	t.Helper()
	bin := Tool(t, "AIBOM_REGISTRY", "registry-v3.1.2/registry")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	conf := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", cfg)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	for range 200 {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("registry on %s did not start", addr)
	return ""
}

// InProcessRegistry starts go-containerregistry's in-process registry, with
// or without the OCI 1.1 referrers API, and returns its host:port. It is
// closed when the test ends.
func InProcessRegistry(t testing.TB, referrers bool) string {
	t.Helper()
	opts := []registry.Option{registry.Logger(log.New(io.Discard, "", 0))}
	if referrers {
		opts = append(opts, registry.WithReferrersSupport(true))
	}
	srv := httptest.NewServer(registry.New(opts...))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}
