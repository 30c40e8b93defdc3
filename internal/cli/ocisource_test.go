package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/seed-43c89ce6/aibom/internal/bomschema"
	"github.com/seed-43c89ce6/aibom/internal/testtools"
	"github.com/seed-43c89ce6/aibom/oci"
)

// ociModel is a model with a malicious pickle (a fixture of known scanner
// bypasses), a safetensors file, a card and a config.
func ociModel(t *testing.T) []oci.PushFile {
	t.Helper()
	pkl, err := os.ReadFile(filepath.Join("..", "..", "testdata", "models", "bypass", "cve-2025-1716_pip_main.pkl"))
	if err != nil {
		t.Fatal(err)
	}
	files := []struct {
		path string
		role oci.Role
		data []byte
	}{
		{"model.pkl", oci.RoleWeights, pkl},
		{"model.safetensors", oci.RoleWeights, []byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      ")},
		{"config.json", oci.RoleConfig, []byte(`{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`)},
		{"README.md", oci.RoleDoc, []byte("---\nlicense: apache-2.0\n---\n# tiny\n")},
	}
	out := make([]oci.PushFile, len(files))
	for i, f := range files {
		out[i] = oci.PushFile{Path: f.path, Size: int64(len(f.data)), Role: f.role,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }}
	}
	return out
}

// pushOCIModel pushes ociModel to an in-process registry and returns the
// tag reference and the manifest digest.
func pushOCIModel(t *testing.T) (ref name.Tag, digest string) {
	t.Helper()
	host := testtools.InProcessRegistry(t, false)
	ctx := context.Background()
	cfg := oci.ModelConfig{}
	cfg.Descriptor.Name, cfg.Descriptor.Version = "tiny", "1.0"
	cfg.Descriptor.Authors, cfg.Descriptor.Licenses = []string{"someone"}, []string{"MIT"}
	cfg.Config.Architecture, cfg.Config.Format, cfg.Config.Precision = "llama", "safetensors", "bfloat16"
	img, err := oci.NewModelPack(ctx, ociModel(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(host+"/org/tiny:v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	h, err := oci.Push(ctx, oci.Registry{Keychain: authn.NewMultiKeychain()}, tag, img)
	if err != nil {
		t.Fatal(err)
	}
	return tag, h.String()
}

// ociLayout writes the artifact at ref into an OCI layout folder.
func ociLayout(t *testing.T, ref name.Reference) string {
	t.Helper()
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	return testtools.WriteLayout(t, img)
}

type scanJSON struct {
	Files []struct {
		Path    string `json:"path"`
		Verdict string `json:"verdict"`
		SHA256  string `json:"sha256"`
		Errors  []struct {
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"files"`
}

func TestScanOCISources(t *testing.T) {
	tag, _ := pushOCIModel(t)
	lay := ociLayout(t, tag)
	for _, loc := range []string{"oci://" + tag.String(), lay, testtools.TarDir(t, lay)} {
		code, out, stderr := run(t, "scan", "--format", "json", loc)
		if code != ExitFindings {
			t.Fatalf("scan %s: exit %d, want %d (malicious pickle): %s", loc, code, ExitFindings, stderr)
		}
		var rep scanJSON
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		verdicts := map[string]string{}
		for _, f := range rep.Files {
			verdicts[f.Path] = f.Verdict
		}
		want := map[string]string{"model.pkl": "malicious", "model.safetensors": "clean", "config.json": "unscanned", "README.md": "unscanned"}
		for p, v := range want {
			if verdicts[p] != v {
				t.Errorf("%s: %s verdict %q, want %q (all: %v)", loc, p, verdicts[p], v, verdicts)
			}
		}
		if len(verdicts) != len(want) {
			t.Errorf("%s: files %v, want %v", loc, verdicts, want)
		}
		// scan and generate list the same files, and generate reads
		// the card and config kept from the tar layers without problems.
		scanned, _ := scanPaths(t, loc)
		listed, problems := generatePaths(t, loc)
		if diff := cmp.Diff(scanned, listed, sortStrings); diff != "" || len(problems) != 0 {
			t.Errorf("%s: scan (-) and generate (+) differ:\n%s\nproblems %v", loc, diff, problems)
		}
	}
}

type bomJSON struct {
	Metadata struct {
		Component struct {
			Name       string `json:"name"`
			Version    string `json:"version"`
			Purl       string `json:"purl"`
			Hashes     []struct{ Alg, Content string }
			Authors    []struct{ Name string }
			Properties []struct{ Name, Value string }
			ModelCard  struct {
				ModelParameters struct {
					ModelArchitecture string `json:"modelArchitecture"`
				} `json:"modelParameters"`
			} `json:"modelCard"`
		} `json:"component"`
	} `json:"metadata"`
	Components []struct {
		Type       string `json:"type"`
		Name       string `json:"name"`
		Hashes     []struct{ Alg, Content string }
		Properties []struct{ Name, Value string }
	} `json:"components"`
}

func props(ps []struct{ Name, Value string }) map[string]string {
	m := map[string]string{}
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m
}

func TestGenerateOCI(t *testing.T) {
	tag, digest := pushOCIModel(t)
	code, out, stderr := run(t, "generate", "oci://"+tag.String())
	if code != ExitOK {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	if err := bomschema.Validate([]byte(out), "1.6"); err != nil {
		t.Fatalf("BOM not schema-valid: %v", err)
	}
	var bom bomJSON
	if err := json.Unmarshal([]byte(out), &bom); err != nil {
		t.Fatal(err)
	}
	m := bom.Metadata.Component
	hex := strings.TrimPrefix(digest, "sha256:")
	if len(m.Hashes) != 1 || m.Hashes[0].Alg != "SHA-256" || m.Hashes[0].Content != hex {
		t.Errorf("model hashes %+v, want the manifest digest %s", m.Hashes, digest)
	}
	if !strings.HasPrefix(m.Purl, "pkg:oci/tiny@sha256%3A"+hex) || !strings.Contains(m.Purl, "tag=v1") {
		t.Errorf("model purl %q, want pkg:oci/tiny@%s...", m.Purl, digest)
	}
	mp := props(m.Properties)
	if m.Name != "tiny" || m.Version != "1.0" || len(m.Authors) != 1 || m.Authors[0].Name != "someone" ||
		mp["aibom:modelpack:precision"] != "bfloat16" || mp["aibom:modelpack:format"] != "safetensors" ||
		mp["aibom:oci:digest"] != digest || mp["aibom:source:kind"] != "oci-registry" {
		t.Errorf("model component from the ModelPack config: %+v", m)
	}
	// config.json says LlamaForCausalLM: the files' own metadata wins.
	if a := m.ModelCard.ModelParameters.ModelArchitecture; a != "LlamaForCausalLM" {
		t.Errorf("architecture %q, want the one config.json names", a)
	}
	layers := 0
	for _, c := range bom.Components {
		if c.Type != "file" {
			continue
		}
		p := props(c.Properties)
		if !strings.HasPrefix(p["aibom:oci:layer"], "sha256:") || !strings.HasPrefix(p["aibom:oci:media_type"], "application/vnd.cncf.model.") {
			t.Errorf("%s: layer properties %v", c.Name, p)
		}
		if c.Name == "model.safetensors" && (len(c.Hashes) != 1 || "sha256:"+c.Hashes[0].Content != p["aibom:oci:layer"]) {
			t.Errorf("raw layer %s: hash %+v, layer %s: want equal", c.Name, c.Hashes, p["aibom:oci:layer"])
		}
		layers++
	}
	if layers != 4 {
		t.Errorf("%d file components, want 4", layers)
	}
}

// layerBlob returns the path of the blob of the layer with media type mt in
// an OCI layout folder.
func layerBlob(t *testing.T, dir, mt string) string {
	t.Helper()
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Layers {
		if string(l.MediaType) == mt {
			return filepath.Join(dir, "blobs", l.Digest.Algorithm, l.Digest.Hex)
		}
	}
	t.Fatalf("no %s layer", mt)
	return ""
}

// TestScanOCITamperedLayers: a raw layer is read by range and not checked
// by the source, so the runner compares the file's SHA-256 with the layer
// digest; a tar layer is checked as it streams, and a wrong one fails the
// whole scan and generate (nothing is reported clean).
func TestScanOCITamperedLayers(t *testing.T) {
	tag, _ := pushOCIModel(t)
	t.Run("raw", func(t *testing.T) {
		dir := ociLayout(t, tag)
		st := []byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      ") // model.safetensors
		sum := sha256.Sum256(st)
		blob := filepath.Join(dir, "blobs", "sha256", hex.EncodeToString(sum[:]))
		st[len(st)-1] = '!' // same size, same layer digest announced
		if err := os.WriteFile(blob, st, 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := run(t, "scan", "--format", "json", dir)
		if code != ExitFindings {
			t.Fatalf("scan: exit %d, want %d: %s", code, ExitFindings, stderr)
		}
		var rep scanJSON
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Files {
			if f.Path != "model.safetensors" {
				continue
			}
			reported := false
			for _, e := range f.Errors {
				reported = reported || strings.Contains(e.Message, "model.safetensors: content has digest") &&
					strings.Contains(e.Message, "the source says sha256:"+hex.EncodeToString(sum[:]))
			}
			if f.Verdict != "invalid" || !reported {
				t.Errorf("tampered raw layer: %+v", f)
			}
			return
		}
		t.Errorf("model.safetensors not in the report: %s", out)
	})
	t.Run("tar", func(t *testing.T) {
		dir := ociLayout(t, tag)
		blob := layerBlob(t, dir, oci.ModelPackDocTar)
		b, err := os.ReadFile(blob)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)-1] ^= 1 // in the end-of-archive padding: the members still read
		if err := os.WriteFile(blob, b, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, verb := range []string{"scan", "generate"} {
			code, out, stderr := run(t, verb, dir)
			if code != ExitError || out != "" || !strings.Contains(stderr, "digest") {
				t.Errorf("%s of a tampered tar layer: exit %d, stdout %q, stderr %q; want exit %d, no output, a digest error",
					verb, code, out, stderr, ExitError)
			}
		}
	})
}

// TestScanPlainTarWithManifest: a tar of model files that happens to hold
// a manifest.json is not an image: it is scanned as a tar.
func TestScanPlainTarWithManifest(t *testing.T) {
	dir := fixtureDir(t, map[string]string{"manifest.json": `{"files":["model.pkl"]}`, "model.pkl": malicious})
	tarPath := testtools.TarDir(t, dir)
	code, out, stderr := run(t, "scan", "--format", "json", tarPath)
	if code != ExitFindings || !strings.Contains(out, `"malicious"`) || !strings.Contains(out, "model.pkl") {
		t.Errorf("scan of a plain tar: exit %d, %s %s", code, out, stderr)
	}
}

// TestScanDockerSave: a `docker save` tarball (manifest.json at its root)
// of a container image is read as an image: its layers' files are listed.
func TestScanDockerSave(t *testing.T) {
	img, err := random.Image(256, 2)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag("example.com/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "app.tar")
	if err := tarball.WriteToFile(p, tag, img); err != nil {
		t.Fatal(err)
	}
	scanned, _ := scanPaths(t, p)
	listed, problems := generatePaths(t, p)
	if len(scanned) != 2 || len(problems) != 0 {
		t.Fatalf("docker save: scan lists %v, want the 2 files of the 2 layers (problems %v)", scanned, problems)
	}
	if diff := cmp.Diff(scanned, listed, sortStrings); diff != "" {
		t.Errorf("scan (-) and generate (+) differ:\n%s", diff)
	}
	code, out, _ := run(t, "generate", p)
	if code != ExitOK || !strings.Contains(out, `"aibom:source:kind"`) || !strings.Contains(out, "oci-tarball") {
		t.Errorf("generate of a docker save tarball: exit %d", code)
	}
}
