package oci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sort"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func pushModel(t *testing.T, host string, files []PushFile) (v1.Hash, string) {
	t.Helper()
	return pushVersion(t, host, files, "1.0")
}

func pushVersion(t *testing.T, host string, files []PushFile, version string) (v1.Hash, string) {
	t.Helper()
	img, err := NewModelPack(ctxBG, files, ModelConfig{
		Descriptor: ModelDescriptor{Name: "tiny", Version: version, Licenses: []string{"Apache-2.0"}},
		Config:     ModelArch{Architecture: "llama", Format: "safetensors"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ref := host + "/models/tiny:v1"
	d, err := Push(ctxBG, testRegistry(), mustRef(t, ref), img)
	if err != nil {
		t.Fatal(err)
	}
	return d, ref
}

func TestPushPullRoundTrip(t *testing.T) {
	t.Parallel()
	for _, referrers := range []bool{false, true} {
		host, c := newRegistry(t, referrers)
		_, files, content := modelDir(t)
		d, ref := pushModel(t, host, files)
		if c.count("POST", "uploads") == 0 {
			t.Fatal("first push uploaded nothing")
		}
		// Pushing the same again uploads nothing.
		c.reset()
		if d2, _ := pushModel(t, host, files); d2 != d {
			t.Errorf("second push digest %s, first %s: packaging is not deterministic", d2, d)
		}
		if n := c.count("POST", "uploads") + c.count("PATCH", "uploads"); n != 0 {
			t.Errorf("second push made %d upload requests, want 0", n)
		}
		// A new version with the same files uploads only its config: the
		// layers are found by HEAD.
		c.reset()
		pushVersion(t, host, files, "1.1")
		if n := c.count("POST", "uploads"); n != 1 {
			t.Errorf("pushing a new config over the same layers started %d uploads, want 1 (the config)", n)
		}
		if n := c.count("HEAD", "blobs"); n < 6 {
			t.Errorf("pushing a new config made %d HEAD requests for blobs, want one per layer (6)", n)
		}
		pushVersion(t, host, files, "1.0") // back to v1 for the checks below

		a, err := Open(ctxBG, Scheme+ref, WithRegistry(testRegistry()))
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind != ModelPack || a.Digest != d {
			t.Fatalf("Open: kind %s digest %s, want modelpack %s", a.Kind, a.Digest, d)
		}
		mc, err := a.ModelConfig()
		if err != nil || mc.Descriptor.Name != "tiny" || len(mc.ModelFS.DiffIDs) != len(a.Layers) {
			t.Errorf("ModelConfig = %+v, %v", mc, err)
		}
		checkWalk(t, a, content)

		dir := t.TempDir()
		got, err := Pull(ctxBG, a, dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(content) {
			t.Errorf("Pull listed %d files, want %d", len(got), len(content))
		}
		equalTrees(t, readTree(t, dir), content)
		a.Close()
	}
}

// checkWalk walks a and compares every file with content; raw files must
// carry their digest and be readable at random.
func checkWalk(t *testing.T, a *Artifact, content map[string][]byte) {
	t.Helper()
	seen := map[string][]byte{}
	err := a.Walk(ctxBG, func(_ context.Context, e Entry) error {
		var b []byte
		var err error
		if e.At != nil {
			b = make([]byte, e.Size)
			_, err = e.At.ReadAt(b, 0)
			sum := sha256.Sum256(b)
			if e.Digest.Hex != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: Digest %s is not the file's sha256", e.Path, e.Digest)
			}
		} else {
			b, err = io.ReadAll(e.R)
		}
		if int64(len(b)) != e.Size {
			t.Errorf("%s: read %d bytes, Size %d", e.Path, len(b), e.Size)
		}
		seen[e.Path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range seen {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if len(seen) != len(content) {
		t.Errorf("Walk listed %v, want %d files", paths, len(content))
	}
	equalTrees(t, seen, content)
}

func TestPushIdempotentDigestsEqualFileSHA(t *testing.T) {
	t.Parallel()
	_, files, content := modelDir(t)
	img, err := NewModelPack(ctxBG, files, ModelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	raw := 0
	for _, l := range m.Layers {
		if string(l.MediaType) != ModelPackWeightRaw {
			continue
		}
		raw++
		sum := sha256.Sum256(content[l.Annotations[AnnotationFilepath]])
		if l.Digest.Hex != hex.EncodeToString(sum[:]) {
			t.Errorf("raw layer %s: digest %s is not the file's sha256", l.Annotations[AnnotationFilepath], l.Digest)
		}
	}
	if raw != 2 || len(m.Layers) != 6 {
		t.Errorf("%d layers, %d raw; want 6 and 2", len(m.Layers), raw)
	}
	if m.ArtifactType != ModelPackArtifactType || string(m.Config.MediaType) != ModelPackConfig {
		t.Errorf("artifactType %q config %q", m.ArtifactType, m.Config.MediaType)
	}
}

func TestPullRefusesTamperedBlob(t *testing.T) {
	t.Parallel()
	for _, which := range []string{ModelPackWeightRaw, ModelPackDocTar} {
		host, c := newRegistry(t, false)
		_, files, _ := modelDir(t)
		_, ref := pushModel(t, host, files)
		a, err := Open(ctxBG, Scheme+ref, WithRegistry(testRegistry()))
		if err != nil {
			t.Fatal(err)
		}
		var victim Layer
		for _, l := range a.Layers {
			if l.MediaType == which {
				victim = l
			}
		}
		c.tamper = func(d string, b []byte) []byte {
			if d == victim.Digest.String() && len(b) > 0 {
				b = append([]byte(nil), b...)
				b[len(b)/2] ^= 1
			}
			return b
		}
		dir := t.TempDir()
		_, err = Pull(ctxBG, a, dir)
		var le *LayerError
		if !errors.Is(err, ErrDigestMismatch) || !errors.As(err, &le) || le.Digest != victim.Digest {
			t.Errorf("%s: Pull error %v, want a digest mismatch naming layer %s", which, err, victim.Digest)
		}
		if got := readTree(t, dir); len(got) != 0 {
			t.Errorf("%s: tampered pull left %d files", which, len(got))
		}
		if victim.Packing != Raw {
			if err := a.Walk(ctxBG, func(context.Context, Entry) error { return nil }); !errors.Is(err, ErrDigestMismatch) {
				t.Errorf("Walk over a tampered tar layer: %v, want a digest mismatch", err)
			}
		}
	}
}

func TestPullRefusesShortBlob(t *testing.T) {
	t.Parallel()
	host, c := newRegistry(t, false)
	_, files, _ := modelDir(t)
	_, ref := pushModel(t, host, files)
	a, err := Open(ctxBG, Scheme+ref, WithRegistry(testRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	c.tamper = func(_ string, b []byte) []byte { return b[:len(b)/2] }
	_, err = Pull(ctxBG, a, t.TempDir())
	if !errors.Is(err, ErrSizeMismatch) {
		t.Errorf("Pull of truncated blobs: %v, want ErrSizeMismatch", err)
	}
}
