package cli

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/internal/bomschema"
	"github.com/seed-43c89ce6/aibom/oci"
)

// kitLayout writes a KitOps ModelKit as an OCI layout folder by hand: the
// Kitfile is the config, the model a tar layer.
func kitLayout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	blob := func(mt string, b []byte) string {
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", h), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`{"mediaType":%q,"digest":"sha256:%s","size":%d}`, mt, h, len(b))
	}
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	_ = tw.WriteHeader(&tar.Header{Name: "model.pkl", Mode: 0o644, Size: int64(len(clean)), Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte(clean))
	_ = tw.Close()
	cfg := blob(oci.KitOpsConfig, []byte(`{"manifestVersion":"1.0","package":{"name":"kitmodel","version":"3.1","authors":["kit author"],"license":"Apache-2.0"},"model":{"name":"m","path":"model.pkl"}}`))
	layer := blob(oci.KitOpsModelTar, tb.Bytes())
	man := blob("application/vnd.oci.image.manifest.v1+json", []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":`+cfg+`,"layers":[`+layer+`]}`))
	for name, body := range map[string]string{"oci-layout": `{"imageLayoutVersion":"1.0.0"}`, "index.json": `{"schemaVersion":2,"manifests":[` + man + `]}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestGenerateKitOpsLayout: a ModelKit's Kitfile (its config) fills the
// model component when the files carry none.
func TestGenerateKitOpsLayout(t *testing.T) {
	code, out, stderr := run(t, "generate", kitLayout(t))
	if code != ExitOK {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	if err := bomschema.Validate([]byte(out), "1.6"); err != nil {
		t.Fatal(err)
	}
	var bom bomJSON
	if err := json.Unmarshal([]byte(out), &bom); err != nil {
		t.Fatal(err)
	}
	m := bom.Metadata.Component
	p := props(m.Properties)
	if m.Name != "kitmodel" || m.Version != "3.1" || len(m.Authors) != 1 || p["aibom:oci:kind"] != "kitops" ||
		p["aibom:source:kind"] != "oci-layout" || !strings.HasPrefix(m.Purl, "pkg:oci/model@sha256") || !strings.Contains(out, "Apache-2.0") {
		t.Errorf("model component from the Kitfile config: %+v", m)
	}
}
