package aibom

import (
	"archive/tar"
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/seed-43c89ce6/aibom/aibom/source"
)

func tarLayer(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range []string{"models/config.json", "models/model.safetensors"} {
		b, ok := files[name]
		if !ok {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestShadowedFiles: in a container image, a weight file that a later
// layer replaces is listed (its bytes are in the image) and marked, with a
// bom-ref of its own, but it is not the model's and its parameters are
// not counted.
func TestShadowedFiles(t *testing.T) {
	t.Parallel()
	old := safetensorsFile([]string{"a", "b", "c"}) // 24 parameters
	cur := safetensorsFile([]string{"a"})           // 8
	lower := static.NewLayer(tarLayer(t, map[string][]byte{"models/model.safetensors": old,
		"models/config.json": []byte(`{"model_type": "bert"}`)}), types.OCIUncompressedLayer)
	upper := static.NewLayer(tarLayer(t, map[string][]byte{"models/model.safetensors": cur}), types.OCIUncompressedLayer)
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), lower, upper)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	dir := filepath.Join(t.TempDir(), "layout")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	src, err := source.OpenOCI(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := Generate(context.Background(), src, WithTime(time.Unix(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	validate(t, res.BOM)
	upperDigest, _ := upper.Digest()
	var live, shadow int
	for _, c := range *res.BOM.Components {
		if c.Name != "models/model.safetensors" {
			continue
		}
		p := props(c)
		if p[propOCIShadowed] == "true" {
			shadow++
			if c.BOMRef == fileRef(c.Name) || p[propOCILayer] == upperDigest.String() {
				t.Errorf("shadowed file: bom-ref %s, layer %s", c.BOMRef, p[propOCILayer])
			}
			continue
		}
		live++
		if p[propOCILayer] != upperDigest.String() {
			t.Errorf("live file from layer %s, want %s", p[propOCILayer], upperDigest)
		}
	}
	if live != 1 || shadow != 1 {
		t.Errorf("%d live and %d shadowed components, want 1 each", live, shadow)
	}
	if p := props(*res.BOM.Metadata.Component)[propModelParameters]; p != "8" {
		t.Errorf("parameters %s, want 8 (the replacing file only)", p)
	}
}
