package source

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// maxImageTarHeaders bounds the headers IsImageTar reads.
const maxImageTarHeaders = 100000

// isLayoutDir reports whether dir is an OCI image layout folder: a
// directory holding a regular file named oci-layout.
func isLayoutDir(dir string) bool {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return false
	}
	st, err = os.Stat(filepath.Join(dir, "oci-layout"))
	return err == nil && st.Mode().IsRegular()
}

// IsImageTar reports whether the file at p is an image tarball rather than
// a tar of model files. The rule: p is an uncompressed tar whose root holds
// either both oci-layout and index.json (an OCI layout in a tar, what
// `docker save` writes since Docker 25), or a manifest.json that is a JSON
// array of objects naming a Config and Layers (the older `docker save`
// format). Any other tar, including one that merely holds a file named
// manifest.json, is model files and is scanned as a tar.
func IsImageTar(p string) (bool, error) {
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return false, err
	}
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	return isImageTar(f), nil
}

// isImageTar applies IsImageTar's rule to the tar r.
func isImageTar(r io.Reader) bool {
	tr := tar.NewReader(r) // a file seeks: member data is skipped, not read
	root := map[string]bool{}
	var dockerManifest bool
	for range maxImageTarHeaders {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false // not a tar (or a broken one): not an image
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(h.Name)
		root[name] = true
		if name == "manifest.json" {
			dockerManifest = isDockerSaveManifest(tr)
		}
	}
	return (root["oci-layout"] && root["index.json"]) || dockerManifest
}

// isDockerSaveManifest reports whether r holds a `docker save`
// manifest.json: a non-empty array of {"Config": ..., "Layers": [...]}.
func isDockerSaveManifest(r io.Reader) bool {
	b, err := safeio.ReadAll(r, 1<<20)
	if err != nil {
		return false
	}
	var entries []struct {
		Config *string
		Layers []string
	}
	if json.Unmarshal(b, &entries) != nil || len(entries) == 0 {
		return false
	}
	for _, e := range entries {
		if e.Config == nil || e.Layers == nil {
			return false
		}
	}
	return true
}
