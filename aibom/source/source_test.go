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
		if in := s.Info(); in.Kind != HuggingFaceCache || in.Name != "acme/tiny-llm" || in.Revision != "0123abcd" {
			t.Errorf("%s: %+v", p, in)
		}
		files, problems := list(t, s)
		if diff := cmp.Diff([]string{"config.json", "sub/model.safetensors"}, paths(files)); diff != "" {
			t.Errorf("%s: files (-want +got):\n%s", p, diff)
		}
		if len(problems) != 1 || problems[0].Path != "gone.bin" || !errors.Is(problems[0].Err, ErrDangling) {
			t.Errorf("%s: problems %v, want the dangling gone.bin", p, problems)
		}
		if files[1].Size != int64(len("weights")) {
			t.Errorf("size %d: the blob's size is wanted", files[1].Size)
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
	if err != nil {
		t.Fatal(err)
	}
	if files, _ := list(t, s); s.Info().Kind != Directory || s.Info().Name != "m" || len(files) != 1 || files[0].Path != "a.bin" {
		t.Fatalf("%+v %v", s.Info(), paths(files))
	}
	s, err = Open(context.Background(), filepath.Join(dir, "m", "a.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if files, _ := list(t, s); s.Info().Kind != SingleFile || len(files) != 1 || files[0].Path != "a.bin" {
		t.Fatalf("%+v %v", s.Info(), paths(files))
	}
	if _, err := Open(context.Background(), filepath.Join(dir, "missing")); err == nil {
		t.Error("no error for a missing source")
	}
}

func list(t *testing.T, s Source) ([]File, []Problem) {
	t.Helper()
	files, problems, err := List(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return files, problems
}

func paths(fs []File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Path)
	}
	return out
}

// TestLinkRules checks the one rule for links: a linked root is followed,
// a link inside the source to a file inside it is read, a link leaving the
// source, a dangling link, a link to a directory and a FIFO are problems,
// and .git is skipped.
func TestLinkRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mk(t, filepath.Join(dir, "secret"), "do not read")
	mk(t, filepath.Join(dir, "m", "a.bin"), "a")
	mk(t, filepath.Join(dir, "m", "sub", "b.bin"), "bb")
	mk(t, filepath.Join(dir, "m", ".git", "objects", "x"), "x")
	for link, target := range map[string]string{
		"m/inside.bin": "sub/b.bin", "m/leaves.csv": "../secret", "m/abs.csv": filepath.Join(dir, "secret"),
		"m/dangling": "nowhere", "m/dirlink": "sub", "linkdir": "m",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(context.Background(), filepath.Join(dir, "linkdir"))
	if err != nil {
		t.Fatal(err)
	}
	files, problems := list(t, s)
	if diff := cmp.Diff([]string{"a.bin", "inside.bin", "sub/b.bin"}, paths(files)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	want := map[string]error{"abs.csv": ErrLeavesSource, "leaves.csv": ErrLeavesSource, "dangling": ErrDangling, "dirlink": ErrNotRegular}
	if len(problems) != len(want) {
		t.Errorf("problems %v, want %v", problems, want)
	}
	for _, p := range problems {
		if !errors.Is(p.Err, want[p.Path]) {
			t.Errorf("%s: %v, want %v", p.Path, p.Err, want[p.Path])
		}
	}
	if files[1].Size != 2 {
		t.Errorf("inside.bin: size %d, want the target's 2", files[1].Size)
	}
	r, err := files[1].ReaderAt(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b := make([]byte, 2)
	if _, err := r.ReadAt(b, 0); err != nil || string(b) != "bb" {
		t.Errorf("read %q %v", b, err)
	}
}
