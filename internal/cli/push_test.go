package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
	"github.com/seed-43c89ce6/aibom/oci"
)

func TestPushPullCLI(t *testing.T) {
	t.Parallel()
	host := testtools.InProcessRegistry(t, false)
	src := t.TempDir()
	files := map[string]string{
		"model.safetensors":  "\x08\x00\x00\x00\x00\x00\x00\x00{}      ",
		"config.json":        `{"architectures":["X"],"model_type":"llama","torch_dtype":"bfloat16"}`,
		"README.md":          "---\nlicense: apache-2.0\nmodel_creator: someone\n---\n# m\n",
		"sub/tokenizer.json": `{}`,
	}
	for p, c := range files {
		abs := filepath.Join(src, p)
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ref := "oci://" + host + "/m/x:v1"
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"push", src, ref, "--format", "json", "--license", "MIT"}, &out, &errb); code != ExitOK {
		t.Fatalf("push exit %d: %s", code, errb.String())
	}
	var pushed struct{ Digest string }
	if err := json.Unmarshal(out.Bytes(), &pushed); err != nil || !strings.HasPrefix(pushed.Digest, "sha256:") {
		t.Fatalf("push output %q: %v", out.String(), err)
	}
	// --license wins over the card; the rest comes from the card and config.json.
	checkConfig(t, host, `"licenses":["MIT"]`, `"authors":["someone"]`, `"architecture":"llama"`, `"precision":"bfloat16"`)
	dst := t.TempDir()
	out.Reset()
	if code := Run(context.Background(), []string{"pull", ref, dst, "--format", "json"}, &out, &errb); code != ExitOK {
		t.Fatalf("pull exit %d: %s", code, errb.String())
	}
	var pulled struct {
		Digest, Kind string
		Files        []struct{ Path, Layer, Digest string }
	}
	if err := json.Unmarshal(out.Bytes(), &pulled); err != nil || pulled.Digest != pushed.Digest || pulled.Kind != "modelpack" {
		t.Fatalf("pull output %q: %v", out.String(), err)
	}
	rawWeights := false
	for _, f := range pulled.Files {
		if f.Path == "model.safetensors" && f.Digest == f.Layer && f.Digest != "" {
			rawWeights = true
		}
	}
	if !rawWeights || len(pulled.Files) != len(files) {
		t.Errorf("pulled %+v; want %d files with the safetensors file as a raw layer", pulled.Files, len(files))
	}
	for p, c := range files {
		if b, err := os.ReadFile(filepath.Join(dst, p)); err != nil || string(b) != c {
			t.Errorf("%s: %q, %v", p, b, err)
		}
	}
	if code := Run(context.Background(), []string{"pull", ref}, &out, &errb); code != ExitError {
		t.Errorf("pull without DIR: exit %d, want %d", code, ExitError)
	}
}

// checkConfig reads the pushed ModelPack config and looks for each want.
func checkConfig(t *testing.T, host string, want ...string) {
	t.Helper()
	a, err := oci.Open(context.Background(), "oci://"+host+"/m/x:v1", oci.WithRegistry(oci.Registry{Keychain: authn.NewMultiKeychain()}))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, w := range want {
		if !strings.Contains(string(a.Config), w) {
			t.Errorf("config %s lacks %s", a.Config, w)
		}
	}
}
