package runner

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

func zipOf(t *testing.T, members map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, body := range members {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestClaims checks that a file whose name claims a model format, but
// whose content no scanner accepts, is invalid with a reason, and that
// names that claim nothing (.bin, .txt) stay unscanned.
func TestClaims(t *testing.T) {
	t.Parallel()
	text := []byte("this is not a model\n")
	kerasNoConfig := zipOf(t, map[string]string{"metadata.json": `{"keras_version": "3.6.0"}`, "model.weights.h5": ""})
	cases := []struct {
		name    string
		content []byte
		verdict scanners.Verdict
		msg     string
	}{
		{"model.safetensors", text, scanners.Invalid, "named .safetensors, but no scanner accepts its content as safetensors"},
		{"model.safetensors", nil, scanners.Invalid, "named .safetensors, but the file is empty"},
		{"model.gguf", text, scanners.Invalid, `"GGUF" magic`},
		{"model.pkl", text, scanners.Invalid, "named .pkl"},
		{"model.pickle", nil, scanners.Invalid, "empty"},
		{"model.pt", text, scanners.Invalid, "named .pt"},
		{"model.pth", nil, scanners.Invalid, "empty"},
		{"last.ckpt", text, scanners.Invalid, "named .ckpt"},
		{"model.joblib", text, scanners.Invalid, "named .joblib"},
		{"arr.npy", text, scanners.Invalid, "NUMPY"},
		{"arrs.npz", text, scanners.Invalid, "named .npz"},
		{"model.onnx", nil, scanners.Invalid, "empty"},
		{"model.keras", text, scanners.Invalid, "named .keras"},
		{"model.keras", kerasNoConfig, scanners.Invalid, "the zip archive is not a Keras model"},
		{"model.h5", text, scanners.Invalid, "HDF5"},
		{"model.tflite", text, scanners.Invalid, "TFL3"},
		{"saved_model.pb", nil, scanners.Invalid, "empty"},
		{"MODEL.SAFETENSORS", text, scanners.Invalid, "named .safetensors"},
		{"pytorch_model.bin", text, scanners.Unscanned, ""},
		{"pytorch_model.bin", nil, scanners.Unscanned, ""},
		{"notes.txt", text, scanners.Unscanned, ""},
		{"model.pb", text, scanners.Unscanned, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := filepath.Join(dir, c.name)
			if err := os.WriteFile(p, c.content, 0o600); err != nil {
				t.Fatal(err)
			}
			rep, err := New().Scan(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Files) != 1 {
				t.Fatalf("%d results", len(rep.Files))
			}
			r := rep.Files[0]
			if r.Verdict != c.verdict {
				t.Fatalf("%s: %s, want %s (errors %v)", c.name, r.Verdict, c.verdict, r.Errors)
			}
			if c.msg == "" {
				return
			}
			var msgs []string
			for _, e := range r.Errors {
				msgs = append(msgs, e.Msg)
			}
			if !strings.Contains(strings.Join(msgs, "; "), c.msg) {
				t.Errorf("%s: errors %q do not say %q", c.name, msgs, c.msg)
			}
		})
	}
}

// TestClaimsInArchive checks that a member of an archive is judged by its
// own name.
func TestClaimsInArchive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := zipOf(t, map[string]string{"weights/model.safetensors": "not a model", "readme.txt": "hello"})
	if err := os.WriteFile(filepath.Join(dir, "bundle.zip"), in, 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := New().Scan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Files[0]
	if r.Verdict != scanners.Invalid {
		t.Fatalf("%s, want invalid (errors %v)", r.Verdict, r.Errors)
	}
	found := false
	for _, e := range r.Errors {
		found = found || e.Member == "weights/model.safetensors" && strings.Contains(e.Msg, "named .safetensors")
	}
	if !found {
		t.Errorf("no claim error on the member: %v", r.Errors)
	}
}
