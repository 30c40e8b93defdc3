package oci

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tool finds an end-to-end tool: $env, else the CI cache path. Missing,
// it skips the test, or fails it under CI=true.
func tool(t *testing.T, env, cached string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	p := filepath.Join(home, ".cache", "aibom-ci", "bin", cached)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (set %s or install it at %s)", cached, env, p)
	}
	t.Skipf("%s not found: set %s or install it at %s", cached, env, p)
	return ""
}

// startRegistry runs the CNCF distribution registry binary on a free
// loopback port and returns its host:port.
func startRegistry(t *testing.T) string {
	t.Helper()
	bin := tool(t, "AIBOM_REGISTRY", "registry-v3.1.2/registry")
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
	cmd := exec.Command(bin, "serve", cfg)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; i < 100; i++ {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("registry did not start on %s", addr)
	return ""
}

func run(t *testing.T, dir, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
}

// TestORASInterop: what `oras push` writes (files with their title
// annotations, a folder as a gzipped tar) is read and pulled by aibom, and
// what aibom pushes is pulled by `oras pull`.
func TestORASInterop(t *testing.T) {
	oras := tool(t, "AIBOM_ORAS", "oras-v1.3.6/oras")
	host := startRegistry(t)
	dir, _, content := modelDir(t)

	// oras push: two weight files, the config, and the src/ folder.
	run(t, dir, oras, "push", "--plain-http", "--artifact-type", "application/vnd.example.model",
		host+"/oras/model:v1",
		"model-00001.safetensors:application/vnd.example.weights",
		"model-00002.safetensors", "config.json", "src")
	a, err := Open(context.Background(), Scheme+host+"/oras/model:v1", WithRegistry(testRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != Generic {
		t.Errorf("oras artifact kind %s, want %s", a.Kind, Generic)
	}
	want := map[string][]byte{}
	for _, p := range []string{"model-00001.safetensors", "model-00002.safetensors", "config.json", "src/modeling.py"} {
		want[p] = content[p]
	}
	checkWalk(t, a, want)
	out := t.TempDir()
	if _, err := Pull(context.Background(), a, out); err != nil {
		t.Fatal(err)
	}
	equalTrees(t, readTree(t, out), want)

	// aibom push, oras pull: the raw layers come out under their paths.
	_, files, content := modelDir(t)
	img, err := NewModelPack(context.Background(), files, ModelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Push(context.Background(), testRegistry(), mustRef(t, host+"/aibom/model:v1"), img); err != nil {
		t.Fatal(err)
	}
	got := t.TempDir()
	run(t, got, oras, "pull", "--plain-http", host+"/aibom/model:v1")
	// oras writes the layers that carry org.opencontainers.image.title:
	// aibom's raw weight layers; it leaves the untitled tar layers.
	weights := map[string][]byte{}
	for _, f := range files {
		if f.Role == RoleWeights {
			weights[f.Path] = content[f.Path]
		}
	}
	equalTrees(t, readTree(t, got), weights)
}
