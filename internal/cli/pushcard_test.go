package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/oci"
)

// TestCardDefaultsKeepPartialCard: a card that parses with a problem (here
// one larger than modelcard.MaxCardSize, read up to it) still gives push
// its front matter's license and name; the card is not thrown away.
func TestCardDefaultsKeepPartialCard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	card := "---\nlicense: apache-2.0\nmodel_name: tiny-card\n---\n# Tiny\n" +
		strings.Repeat("Lorem ipsum dolor sit amet.\n", modelcard.MaxCardSize/20)
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(card), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src, err := source.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	files, _, err := source.List(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := modelcard.ParseCard(strings.NewReader(card), "README.md"); err == nil {
		t.Fatal("the card should parse with an error (over MaxCardSize); the test no longer tests a partial card")
	}
	var d oci.ModelDescriptor
	var a oci.ModelArch
	cardDefaults(ctx, files, &d, &a)
	if len(d.Licenses) != 1 || !strings.EqualFold(d.Licenses[0], "apache-2.0") {
		t.Errorf("licenses %v, want the card's apache-2.0", d.Licenses)
	}
}
