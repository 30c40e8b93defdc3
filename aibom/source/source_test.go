package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mk(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cache lays out a Hugging Face hub cache with one model whose snapshot
// files are links to blobs, as huggingface_hub writes it.
func cache(t *testing.T) (hub, model string) {
	t.Helper()
	hub = t.TempDir()
	model = filepath.Join(hub, "models--acme--tiny-llm")
	mk(t, filepath.Join(model, "blobs", "aaa"), `{"model_type":"llama"}`)
	mk(t, filepath.Join(model, "blobs", "bbb"), "weights")
	mk(t, filepath.Join(model, "refs", "main"), "0123abcd\n")
	snap := filepath.Join(model, "snapshots", "0123abcd")
	if err := os.MkdirAll(filepath.Join(snap, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for link, blob := range map[string]string{"config.json": "../../blobs/aaa", "sub/model.safetensors": "../../../blobs/bbb", "gone.bin": "../../blobs/zzz"} {
		if err := os.Symlink(blob, filepath.Join(snap, link)); err != nil {
			t.Fatal(err)
		}
	}
	return hub, model
}

func TestHuggingFaceCache(t *testing.T) {
	t.Parallel()
	hub, model := cache(t)
	for _, p := range []string{hub, model, filepath.Join(model, "snapshots", "0123abcd")} {
		s, err := Open(context.Background(), p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if s.Kind != HuggingFaceCache || s.Name != "acme/tiny-llm" || s.Revision != "0123abcd" {
			t.Errorf("%s: %+v", p, s)
		}
		var got []string
		for _, f := range s.Files {
			got = append(got, f.Path)
		}
		if diff := cmp.Diff([]string{"config.json", "sub/model.safetensors"}, got); diff != "" {
			t.Errorf("%s: files (-want +got):\n%s", p, diff)
		}
		if len(s.Problems) != 1 || s.Problems[0].Path != "gone.bin" {
			t.Errorf("%s: problems %v, want the dangling gone.bin", p, s.Problems)
		}
		if s.Files[1].Size != int64(len("weights")) {
			t.Errorf("size %d: the blob's size is wanted", s.Files[1].Size)
		}
	}
}

func TestAmbiguousHub(t *testing.T) {
	t.Parallel()
	hub, _ := cache(t)
	mk(t, filepath.Join(hub, "models--other--m", "snapshots", "r1", "x"), "x")
	if _, err := Open(context.Background(), hub); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("err %v, want ErrAmbiguous", err)
	}
}

func TestDirectoryAndFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mk(t, filepath.Join(dir, "m", "a.bin"), "a")
	mk(t, filepath.Join(dir, "m", ".git", "HEAD"), "ref")
	s, err := Open(context.Background(), filepath.Join(dir, "m"))
	if err != nil || s.Kind != Directory || s.Name != "m" || len(s.Files) != 1 || s.Files[0].Path != "a.bin" {
		t.Fatalf("%+v %v", s, err)
	}
	s, err = Open(context.Background(), filepath.Join(dir, "m", "a.bin"))
	if err != nil || s.Kind != SingleFile || len(s.Files) != 1 || s.Files[0].Path != "a.bin" {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := Open(context.Background(), filepath.Join(dir, "missing")); err == nil {
		t.Error("no error for a missing source")
	}
}
