package oci

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

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
	oras := testtools.Tool(t, "AIBOM_ORAS", "oras-v1.3.6/oras")
	host := testtools.StartRegistry(t)
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
