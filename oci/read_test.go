package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// rawEntry returns the first raw entry of a walk with its reader.
func rawEntry(t *testing.T, a *Artifact) Entry {
	t.Helper()
	var got Entry
	err := a.Walk(ctxBG, func(_ context.Context, e Entry) error {
		if e.At != nil && got.At == nil && e.Size > 100<<10 {
			got = e
		}
		return nil
	})
	if err != nil || got.At == nil {
		t.Fatalf("no raw entry: %v", err)
	}
	return got
}

func TestRangeReadsForRawLayers(t *testing.T) {
	t.Parallel()
	host, c := newRegistry(t, false)
	_, files, content := modelDir(t)
	_, ref := pushModel(t, host, files)
	a, err := Open(ctxBG, Scheme+ref, WithRegistry(testRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	c.reset()
	e := rawEntry(t, a) // Walk streams the tar layers but only opens raw ones
	tarBytes := c.served.Load()
	buf := make([]byte, 8)
	if _, err := e.At.ReadAt(buf, 1000); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf, content[e.Path][1000:1008]) {
		t.Errorf("ReadAt(8, 1000) = %x, want %x", buf, content[e.Path][1000:1008])
	}
	if got := c.served.Load() - tarBytes; got != 8 {
		t.Errorf("a ranged 8-byte read was served %d bytes", got)
	}
	if c.ranges.Load() != 1 {
		t.Errorf("%d Range requests, want 1", c.ranges.Load())
	}

	// Sequential reads (a hash pass) cost one more request, not one each.
	c.reset()
	r, err := a.OpenLayer(ctxBG, a.Layers[e.LayerIndex])
	if err != nil {
		t.Fatal(err)
	}
	whole := make([]byte, 0, e.Size)
	chunk := make([]byte, 16<<10)
	for off := int64(0); off < e.Size; off += int64(len(chunk)) {
		n, err := r.ReadAt(chunk, off)
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		whole = append(whole, chunk[:n]...)
	}
	r.(io.Closer).Close()
	if !bytes.Equal(whole, content[e.Path]) {
		t.Error("sequential ReadAt did not return the file")
	}
	if n := c.count("GET", "blobs"); n != 2 {
		t.Errorf("a sequential read in %d chunks made %d requests, want 2", e.Size/int64(len(chunk)), n)
	}

	// A registry that ignores Range: reads still work, from one response.
	c.noRange.Store(true)
	c.reset()
	e = rawEntry(t, a)
	for _, off := range []int64{0, 4096, 200000} {
		if _, err := e.At.ReadAt(buf, off); err != nil || !bytes.Equal(buf, content[e.Path][off:off+8]) {
			t.Errorf("without Range, ReadAt(8, %d) = %x, %v", off, buf, err)
		}
	}
	if n := c.count("GET", "blobs"); n > 1+5 { // the tar layers' streams and one for the raw file
		t.Errorf("%d blob GETs without Range support, want the whole blob fetched once", n)
	}

	// A registry lying about the blob's size in Content-Range is refused.
	c.noRange.Store(false)
	c.lieSize.Store(10)
	e = rawEntry(t, a)
	if _, err := e.At.ReadAt(buf, 0); !errors.Is(err, ErrSizeMismatch) {
		t.Errorf("ReadAt with a lying Content-Range: %v, want ErrSizeMismatch", err)
	}
}

func TestLayoutAndTarball(t *testing.T) {
	t.Parallel()
	_, files, content := modelDir(t)
	img, err := NewModelPack(ctxBG, files, ModelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	dir := testtools.WriteLayout(t, img)
	for _, loc := range []string{dir, testtools.TarDir(t, dir)} {
		a, err := Open(ctxBG, loc)
		if err != nil {
			t.Fatalf("%s: %v", loc, err)
		}
		if a.Digest != want || a.Kind != ModelPack {
			t.Errorf("%s: %s %s, want modelpack %s", loc, a.Kind, a.Digest, want)
		}
		checkWalk(t, a, content)
		list, err := a.Files(ctxBG)
		if err != nil || len(list) != len(content) {
			t.Errorf("Files = %d files, %v; want %d", len(list), err, len(content))
		}
		out := t.TempDir()
		if _, err := Pull(ctxBG, a, out); err != nil {
			t.Fatal(err)
		}
		equalTrees(t, readTree(t, out), content)
		a.Close()
	}
}

// tarLayer builds a tar (gzipped when gz) of the given entries.
func tarBytes(t testing.TB, gz bool, entries ...tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		w = zw
	}
	tw := tar.NewWriter(w)
	for _, h := range entries {
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		body := []byte("content of " + h.Name)
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(body))
		}
		h.Mode = 0o644
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(body); err != nil {
				t.Fatal(err)
			}
		}
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes()
}

// artifact builds an artifact with the given config and layers.
func artifact(t *testing.T, configType string, config []byte, layers ...v1.Layer) v1.Image {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.MediaType(configType))
	img, err := mutate.Append(img, func() []mutate.Addendum {
		var add []mutate.Addendum
		for _, l := range layers {
			add = append(add, mutate.Addendum{Layer: l})
		}
		return add
	}()...)
	if err != nil {
		t.Fatal(err)
	}
	if config != nil {
		// Replace the config blob with the given bytes.
		img = &rawConfig{Image: img, config: config, mt: configType}
	}
	return img
}

func TestPullRefusesUnsafeMembers(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]tar.Header{
		"dotdot":   {Name: "../evil.txt"},
		"absolute": {Name: "/etc/evil.txt"},
		"symlink":  {Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
		"hardlink": {Name: "hard", Typeflag: tar.TypeLink, Linkname: "../x"},
	} {
		layer := static.NewLayer(tarBytes(t, false, tar.Header{Name: "ok.txt"}, h), ModelPackCodeTar)
		img := artifact(t, ModelPackConfig, []byte(`{}`), layer)
		a, err := Open(ctxBG, testtools.WriteLayout(t, img))
		if err != nil {
			t.Fatal(err)
		}
		parent := t.TempDir()
		out := filepath.Join(parent, "out")
		_, err = Pull(ctxBG, a, out)
		if !errors.Is(err, ErrUnsafePath) {
			t.Errorf("%s: Pull error %v, want ErrUnsafePath", name, err)
		}
		if got := readTree(t, parent); len(got) != 0 {
			t.Errorf("%s: refused pull left %v", name, got)
		}
	}
}

func TestPullRefusesPathThroughLink(t *testing.T) {
	t.Parallel()
	layer := static.NewLayer(tarBytes(t, false, tar.Header{Name: "sub/file.txt"}), ModelPackCodeTar)
	a, err := Open(ctxBG, testtools.WriteLayout(t, artifact(t, ModelPackConfig, []byte(`{}`), layer)))
	if err != nil {
		t.Fatal(err)
	}
	out, elsewhere := t.TempDir(), t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(out, "sub")); err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(ctxBG, a, out); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("Pull through a link: %v, want ErrUnsafePath", err)
	}
	if got := readTree(t, elsewhere); len(got) != 0 {
		t.Errorf("wrote through the link: %v", got)
	}
}

func TestImageWhiteouts(t *testing.T) {
	t.Parallel()
	lower := static.NewLayer(tarBytes(t, true, tar.Header{Name: "a/x"}, tar.Header{Name: "a/y"}, tar.Header{Name: "b/z"}, tar.Header{Name: "c"}), OCILayerTarGzip)
	upper := static.NewLayer(tarBytes(t, true, tar.Header{Name: "a/.wh.x"}, tar.Header{Name: "b/.wh..wh..opq"}, tar.Header{Name: "c"}, tar.Header{Name: "d"}), OCILayerTarGzip)
	img := artifact(t, OCIImageConfig, nil, lower, upper)
	a, err := Open(ctxBG, testtools.WriteLayout(t, img))
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != Image {
		t.Fatalf("kind %s, want image", a.Kind)
	}
	got := map[string]bool{}
	err = a.Walk(ctxBG, func(_ context.Context, e Entry) error {
		got[e.Path+"@"+string(rune('0'+e.LayerIndex))] = e.Shadowed
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"a/x@0": true, "a/y@0": false, "b/z@0": true, "c@0": true, "c@1": false, "d@1": false}
	if len(got) != len(want) {
		t.Errorf("Walk = %v, want %v", got, want)
	}
	for k, v := range want {
		if s, ok := got[k]; !ok || s != v {
			t.Errorf("%s: listed %v shadowed %v, want shadowed %v", k, ok, s, v)
		}
	}
}

func TestLegacyDockerSave(t *testing.T) {
	t.Parallel()
	layer := static.NewLayer(tarBytes(t, false, tar.Header{Name: "models/w.bin"}), types.DockerUncompressedLayer)
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "save.tar")
	if err := tarball.WriteToFile(p, mustRef(t, "example.com/m:v1"), img); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctxBG, p)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	if err := a.Walk(ctxBG, func(_ context.Context, e Entry) error { paths = append(paths, e.Path); return nil }); err != nil {
		t.Fatal(err)
	}
	if a.Kind != Image || len(paths) != 1 || paths[0] != "models/w.bin" {
		t.Errorf("docker save tarball: kind %s, files %v", a.Kind, paths)
	}
}

func TestKitOpsAndIndex(t *testing.T) {
	t.Parallel()
	kitfile := []byte(`{"manifestVersion":"1.0.0","package":{"name":"kit-model","authors":["me"]},"model":{"name":"m","path":"model.gguf","framework":"llama.cpp"},"docs":[{"path":"README.md"}]}`)
	model := static.NewLayer(tarBytes(t, true, tar.Header{Name: "model.gguf"}), KitOpsModelTar+"+gzip")
	docs := static.NewLayer(zstdBytes(t, tarBytes(t, false, tar.Header{Name: "README.md"})), KitOpsDocsTar+"+zstd")
	kit := artifact(t, KitOpsConfig, kitfile, model, docs)
	imgLayer := static.NewLayer(tarBytes(t, true, tar.Header{Name: "bin/sh"}), OCILayerTarGzip)
	image := artifact(t, OCIImageConfig, nil, imgLayer)
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: image, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: kit})
	host, _ := newRegistry(t, true)
	ref := mustRef(t, host+"/kit/model:v1")
	if err := remoteWriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctxBG, Scheme+ref.String(), WithRegistry(testRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := kit.Digest()
	id, _ := idx.Digest()
	if a.Kind != KitOps || a.Digest != kd || a.IndexDigest != id {
		t.Fatalf("picked %s %s from index %s, want kitops %s", a.Kind, a.Digest, a.IndexDigest, kd)
	}
	k, err := a.Kitfile()
	if err != nil || k.Package.Name != "kit-model" || k.Model.Path != "model.gguf" {
		t.Errorf("Kitfile = %+v, %v", k, err)
	}
	checkWalk(t, a, map[string][]byte{"model.gguf": []byte("content of model.gguf"), "README.md": []byte("content of README.md")})

	a, err = Open(ctxBG, Scheme+ref.String(), WithRegistry(testRegistry()), WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
	if err != nil || a.Kind != Image {
		t.Errorf("WithPlatform(linux/amd64): %v, %v; want the image", a, err)
	}
}

func zstdBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	_, files, _ := modelDir(t)
	img, err := NewModelPack(ctxBG, files, ModelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	dir := testtools.WriteLayout(t, img)
	for name, lim := range map[string]Limits{
		"layers":   {MaxLayers: 2},
		"manifest": {MaxManifestSize: 100},
		"config":   {MaxConfigSize: 10},
	} {
		_, err := Open(ctxBG, dir, WithLimits(lim))
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: Open = %v, want ErrTooLarge", name, err)
		}
	}
	// A tar layer with more members than allowed.
	a, err := Open(ctxBG, dir, WithLimits(Limits{MaxTarEntries: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Walk(ctxBG, func(context.Context, Entry) error { return nil }); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Walk with MaxTarEntries 1: %v, want ErrTooLarge", err)
	}
}

func TestDockerModel(t *testing.T) {
	t.Parallel()
	gguf := static.NewLayer([]byte("GGUF\x03\x00\x00\x00"), DockerModelGGUF)
	lic := static.NewLayer([]byte("MIT"), DockerModelLicense)
	img := artifact(t, DockerModelConfigV01, []byte(`{"config":{"format":"gguf"}}`), gguf, lic)
	a, err := Open(ctxBG, testtools.WriteLayout(t, img))
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != DockerModel {
		t.Fatalf("kind %s, want docker-model", a.Kind)
	}
	gd, _ := gguf.Digest()
	ld, _ := lic.Digest()
	checkWalk(t, a, map[string][]byte{gd.Hex + ".gguf": []byte("GGUF\x03\x00\x00\x00"), ld.Hex + ".LICENSE": []byte("MIT")})
}

func TestJoinPrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range [][3]string{
		{"", "a/b", "a/b"},
		{"docs", "README.md", "docs/README.md"},
		{"docs", "docs/README.md", "docs/README.md"},
		{"sub/config.json", "config.json", "sub/config.json"},
		{"../x", "a", "a"},
	} {
		if got := joinPrefix(tc[0], tc[1]); got != tc[2] {
			t.Errorf("joinPrefix(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}

func TestPURL(t *testing.T) {
	t.Parallel()
	d := v1.Hash{Algorithm: "sha256", Hex: "244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b"}
	for _, tc := range []struct{ repo, tag, want string }{
		{"docker.io/library/debian", "latest", "pkg:oci/debian@sha256%3A244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b?repository_url=docker.io/library/debian&tag=latest"},
		{"ghcr.io/Org/Llama", "", "pkg:oci/llama@sha256%3A244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b?repository_url=ghcr.io/org/llama"},
		{"", "", "pkg:oci/model@sha256%3A244fd47e07d1004f0aed9c156aa09083c82bf8944eceb67c946ff7430510a77b"},
	} {
		if got := PURL(tc.repo, d, tc.tag); got != tc.want {
			t.Errorf("PURL(%q, %q) = %s\nwant %s", tc.repo, tc.tag, got, tc.want)
		}
	}
}
