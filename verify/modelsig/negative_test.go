package modelsig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mutation changes a copy of a vector folder and names the file that the
// problems must mention.
type mutation struct {
	name   string
	folder bool // only for folder models
	apply  func(t *testing.T, folder string, v vector) string
}

func modelFile(v vector) string {
	if v.model != "" {
		return v.model
	}
	return "signme-2"
}

var mutations = []mutation{
	{name: "changed", apply: func(t *testing.T, folder string, v vector) string {
		f := modelFile(v)
		appendFile(t, filepath.Join(folder, f), "x")
		return f
	}},
	{name: "truncated", apply: func(t *testing.T, folder string, v vector) string {
		f := modelFile(v)
		if err := os.Truncate(filepath.Join(folder, f), 0); err != nil {
			t.Fatal(err)
		}
		return f
	}},
	{name: "added", folder: true, apply: func(t *testing.T, folder string, _ vector) string {
		if err := os.WriteFile(filepath.Join(folder, "extra.bin"), []byte("new"), 0o600); err != nil {
			t.Fatal(err)
		}
		return "extra.bin"
	}},
	{name: "added-nested", folder: true, apply: func(t *testing.T, folder string, _ vector) string {
		if err := os.MkdirAll(filepath.Join(folder, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(folder, "sub", "w.bin"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return "sub/w.bin"
	}},
	{name: "removed", folder: true, apply: func(t *testing.T, folder string, _ vector) string {
		if err := os.Remove(filepath.Join(folder, "signme-1")); err != nil {
			t.Fatal(err)
		}
		return "signme-1"
	}},
	{name: "renamed", folder: true, apply: func(t *testing.T, folder string, _ vector) string {
		if err := os.Rename(filepath.Join(folder, "signme-1"), filepath.Join(folder, "signme-3")); err != nil {
			t.Fatal(err)
		}
		return "signme-3"
	}},
	{name: "symlink", folder: true, apply: func(t *testing.T, folder string, _ vector) string {
		if err := os.Symlink("signme-1", filepath.Join(folder, "link")); err != nil {
			t.Fatal(err)
		}
		return "link"
	}},
}

func appendFile(t *testing.T, p, s string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestInteropVectorsRejectChanges(t *testing.T) {
	dir := interop(t)
	for _, v := range vectors {
		for _, mu := range mutations {
			if mu.folder && v.model != "" {
				continue
			}
			t.Run(v.name+"/"+mu.name, func(t *testing.T) {
				folder := copyVector(t, filepath.Join(dir, v.name))
				named := mu.apply(t, folder, v)
				res := verifyVector(t, folder, v, v.trust(t, dir))
				b, _ := json.Marshal(res)
				if res.Verified || !strings.Contains(strings.Join(res.Problems, "\n"), named) {
					t.Fatalf("want a failure naming %s, got %s", named, b)
				}
			})
		}
	}
}

func TestInteropSingleFileRenamed(t *testing.T) {
	dir := interop(t)
	for _, v := range vectors {
		if v.model == "" {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			folder := copyVector(t, filepath.Join(dir, v.name))
			if err := os.Rename(filepath.Join(folder, v.model), filepath.Join(folder, "other")); err != nil {
				t.Fatal(err)
			}
			v2 := v
			v2.model = "other"
			if res := verifyVector(t, folder, v2, v.trust(t, dir)); res.Verified {
				t.Fatal("a renamed single-file model verified")
			}
		})
	}
}

func TestInteropVectorsRejectWrongTrust(t *testing.T) {
	dir := interop(t)
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			res := verifyVector(t, filepath.Join(dir, v.name), v, v.wrongTrust(t, dir))
			if res.Verified || len(res.Signers) != 0 || len(res.Problems) == 0 {
				t.Fatalf("verified with the wrong trust: %+v", res)
			}
			// And the other kind of trust (a key for a certificate vector,
			// the CA for a key vector) does not verify either.
			other := v
			other.cert = !v.cert
			if res := verifyVector(t, filepath.Join(dir, v.name), v, other.trust(t, dir)); res.Verified && !v.cert {
				t.Fatalf("a key-signed vector verified with the CA: %+v", res)
			}
		})
	}
}

func TestInteropSymlinkAllowed(t *testing.T) {
	dir := interop(t)
	v := vectors[2] // v1.0.0-certificate, a folder
	folder := copyVector(t, filepath.Join(dir, v.name))
	if err := os.Symlink("signme-1", filepath.Join(folder, "link")); err != nil {
		t.Fatal(err)
	}
	// Allowed, the link is followed and is an unsigned file.
	res := verifyVector(t, folder, v, v.trust(t, dir), WithAllowSymlinks())
	if res.Verified || !strings.Contains(strings.Join(res.Problems, "\n"), "link is not in the signed manifest") {
		t.Fatalf("%+v", res)
	}
	// Ignored, it verifies.
	if res := verifyVector(t, folder, v, v.trust(t, dir), WithIgnorePaths("link")); !res.Verified {
		t.Fatalf("%+v", res)
	}
}
