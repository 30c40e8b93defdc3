package verify

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// TestWriteFuzzSeeds regenerates the fuzz seeds in testdata/ from real
// signed layers: AIBOM_WRITE_SEEDS=1 go test -run TestWriteFuzzSeeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("AIBOM_WRITE_SEEDS") == "" {
		t.Skip("set AIBOM_WRITE_SEEDS=1 to regenerate testdata/")
	}
	ctx := context.Background()
	host := testtools.InProcessRegistry(t, true)
	d := pushImage(t, host, "m")
	s := newSigner(t, newKey(t))
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("bom.statement.json", mustStatement(t, fuzzDigest, PredicateCycloneDX, testBOM))
	write("scan.statement.json", mustStatement(t, fuzzDigest, PredicateScanReport, testScan))
	write("sign.statement.json", mustStatement(t, fuzzDigest, PredicateCosignSign, nil))
	for i, l := range []Layout{LayoutTags, LayoutReferrers} {
		if err := Attest(ctx, reg, d, s, PredicateCycloneDX, testBOM, WithLayout(l)); err != nil {
			t.Fatal(err)
		}
		_ = i
	}
	att, err := remote.Image(tagFor(d, ".att"))
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := att.Layers()
	rc, _ := ls[0].Compressed()
	b, _ := readBounded(rc, 1<<20, "att")
	write("bom.dsse.json", b)
	idx, err := remote.Referrers(d)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	img, err := remote.Image(d.Context().Digest(im.Manifests[0].Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	ls, _ = img.Layers()
	rc, _ = ls[0].Compressed()
	b, _ = readBounded(rc, 1<<20, "bundle")
	write("bom.bundle.json", b)
}
