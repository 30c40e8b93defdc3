package source

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
	"github.com/seed-43c89ce6/aibom/oci"
)

func writeTar(t *testing.T, members map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for n, c := range members {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "x.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIsImageTar(t *testing.T) {
	cases := []struct {
		name    string
		members map[string]string
		want    bool
	}{
		{"oci layout", map[string]string{"oci-layout": `{"imageLayoutVersion":"1.0.0"}`, "index.json": "{}"}, true},
		{"docker save", map[string]string{"manifest.json": `[{"Config":"c.json","RepoTags":[],"Layers":["l/layer.tar"]}]`}, true},
		{"model files with a manifest.json", map[string]string{"manifest.json": `{"model":"x"}`, "model.pkl": "\x80\x02}."}, false},
		{"array manifest without layers", map[string]string{"manifest.json": `[{"name":"x"}]`}, false},
		{"oci-layout without index.json", map[string]string{"oci-layout": "{}", "model.pkl": "\x80\x02}."}, false},
		{"layout below the root", map[string]string{"sub/oci-layout": "{}", "sub/index.json": "{}"}, false},
	}
	for _, c := range cases {
		got, err := IsImageTar(writeTar(t, c.members))
		if err != nil || got != c.want {
			t.Errorf("%s: IsImageTar = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	notTar := filepath.Join(t.TempDir(), "model.pkl")
	if err := os.WriteFile(notTar, []byte("\x80\x02}."), 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, _ := IsImageTar(notTar); ok || IsOCI(notTar) || IsOCI(t.TempDir()) {
		t.Errorf("a pickle or an empty folder taken for an image")
	}
}

func TestOCISourceEntries(t *testing.T) {
	ctx := context.Background()
	files := map[string]oci.Role{"model.safetensors": oci.RoleWeights, "README.md": oci.RoleDoc, "config.json": oci.RoleConfig}
	var pf []oci.PushFile
	for p, r := range files {
		data := []byte("content of " + p)
		pf = append(pf, oci.PushFile{Path: p, Size: int64(len(data)), Role: r,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }})
	}
	img, err := oci.NewModelPack(ctx, pf, oci.ModelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	dir := testtools.WriteLayout(t, img)
	if !IsOCI(dir) {
		t.Fatal("layout folder not detected")
	}
	src, err := OpenOCI(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	d, _ := img.Digest()
	if src.Info().Kind != OCILayout || src.Info().Revision != d.String() {
		t.Errorf("info %+v, want kind %s, revision %s", src.Info(), OCILayout, d)
	}
	var entries []Entry
	err = src.Walk(ctx, func(e Entry, problem error) error {
		if problem != nil {
			return problem
		}
		entries = append(entries, e)
		if _, ok := e.(RandomAccess); ok {
			return nil
		}
		rc, err := e.Open(ctx)
		if err != nil {
			return err
		}
		defer rc.Close()
		if _, err := e.Open(ctx); !errors.Is(err, ErrStreamed) {
			t.Errorf("%s opened twice: %v", e.Path(), err)
		}
		_, err = io.Copy(io.Discard, rc)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(files) {
		t.Fatalf("%d entries, want %d", len(entries), len(files))
	}
	for _, e := range entries {
		oe, ok := e.(OCIEntry)
		if !ok || oe.LayerDigest() == "" || oe.MediaType() == "" {
			t.Errorf("%s: not an OCIEntry with layer and media type", e.Path())
		}
		_, ra := e.(RandomAccess)
		if raw := files[e.Path()] == oci.RoleWeights; raw != ra || raw != (e.Digest() == oe.LayerDigest()) {
			t.Errorf("%s: random access %v, digest %q, layer %q", e.Path(), ra, e.Digest(), oe.LayerDigest())
		}
		// After the walk (its layers verified) every entry reads again:
		// raw layers by range, small members from what was kept.
		rc, err := e.Open(ctx)
		if err != nil {
			t.Errorf("%s: open after walk: %v", e.Path(), err)
			continue
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != "content of "+e.Path() {
			t.Errorf("%s: read %q after walk", e.Path(), b)
		}
	}
}

// FuzzIsImageTar: the image-or-tar decision reads untrusted tar headers
// and a manifest.json; it never panics, and fewer bytes than two tar
// blocks are never an image.
func FuzzIsImageTar(f *testing.F) {
	for _, m := range []map[string]string{
		{"oci-layout": "{}", "index.json": "{}"},
		{"manifest.json": `[{"Config":"c.json","Layers":["l.tar"]}]`},
		{"manifest.json": `{"x":1}`, "a.pkl": "\x80\x02}."},
	} {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for n, c := range m {
			_ = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(c))})
			_, _ = tw.Write([]byte(c))
		}
		_ = tw.Close()
		f.Add(buf.Bytes())
	}
	f.Add([]byte("\x80\x02}."))
	f.Fuzz(func(t *testing.T, b []byte) {
		if isImageTar(bytes.NewReader(b)) && len(b) < 1024 {
			t.Errorf("%d bytes taken for an image tarball", len(b))
		}
	})
}

// TestOCIMemberNotKept: a member not read during the walk cannot be opened
// after it.
func TestOCIMemberNotKept(t *testing.T) {
	ctx := context.Background()
	data := []byte("# card\n")
	img, err := oci.NewModelPack(ctx, []oci.PushFile{{Path: "README.md", Size: int64(len(data)), Role: oci.RoleDoc,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}}, oci.ModelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	dir := testtools.WriteLayout(t, img)
	src, err := OpenOCI(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	files, _, err := List(ctx, src)
	if err != nil || len(files) != 1 {
		t.Fatalf("list: %v, %v", files, err)
	}
	if _, err := files[0].Entry.Open(ctx); !errors.Is(err, ErrStreamed) {
		t.Errorf("unread member opened after the walk: %v", err)
	}
}
