package oci

import (
	"os"
	"path/filepath"
	"testing"
)

// benchModel writes a model of n weight files of size bytes each.
func benchModel(b *testing.B, n, size int) []PushFile {
	b.Helper()
	dir := b.TempDir()
	var files []PushFile
	for i := range n {
		p := filepath.Join(dir, "w"+string(rune('0'+i))+".safetensors")
		if err := os.WriteFile(p, randomBytes(b, size), 0o600); err != nil {
			b.Fatal(err)
		}
		files = append(files, diskFile(b, filepath.Base(p), p, RoleWeights))
	}
	return files
}

// BenchmarkNewModelPack measures the hash pass of packaging.
func BenchmarkNewModelPack(b *testing.B) {
	files := benchModel(b, 4, 32<<20)
	b.SetBytes(4 * 32 << 20)
	for b.Loop() {
		if _, err := NewModelPack(ctxBG, files, ModelConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPull measures pulling a 128 MiB model from the in-process
// registry (see bench/oci.sh for the comparison with oras on the real
// registry binary).
func BenchmarkPull(b *testing.B) {
	files := benchModel(b, 4, 32<<20)
	t := &testing.T{}
	host, _ := newRegistry(t, false)
	img, err := NewModelPack(ctxBG, files, ModelConfig{})
	if err != nil {
		b.Fatal(err)
	}
	ref, err := testRegistry().ParseReference(host + "/bench/m:v1")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := Push(ctxBG, testRegistry(), ref, img); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(4 * 32 << 20)
	for b.Loop() {
		a, err := Open(ctxBG, Scheme+ref.String(), WithRegistry(testRegistry()))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Pull(ctxBG, a, b.TempDir()); err != nil {
			b.Fatal(err)
		}
	}
}
