package aibom

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners/lfs"
)

// repoDir copies the fixture repository testdata/repos/name into a temp
// folder named name. With weights, each Git LFS pointer is replaced by a
// small real file of its format (see testdata/repos/README.md).
func repoDir(t *testing.T, name string, weights bool) string {
	t.Helper()
	from := filepath.Join("..", "testdata", "repos", name)
	dir := filepath.Join(t.TempDir(), name)
	index := map[string][]string{} // shard path -> tensor names its index gives
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(rel, ".index.json") {
			var idx struct {
				WeightMap map[string]string `json:"weight_map"`
			}
			if json.Unmarshal(b, &idx) == nil {
				for tensor, shard := range idx.WeightMap {
					sp := filepath.Join(filepath.Dir(rel), shard)
					index[sp] = append(index[sp], tensor)
				}
			}
		}
		return writeFile(dir, rel, b)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !weights {
		return dir
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, perr := lfs.Parse(b); perr != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rw, err := realWeights(rel, index[rel])
		if err != nil {
			return err
		}
		return os.WriteFile(p, rw, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(dir, rel string, b []byte) error {
	dst := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// realWeights returns a small real file for a weight file's name:
// safetensors built here (with the tensor names an index gives it, else
// one), the repository's benign PyTorch, ONNX and GGUF fixtures otherwise.
func realWeights(rel string, tensors []string) ([]byte, error) {
	switch filepath.Ext(rel) {
	case ".bin":
		return os.ReadFile(filepath.Join("..", "testdata", "models", "pytorch", "state_dict.pt"))
	case ".onnx":
		return os.ReadFile(filepath.Join("..", "testdata", "models", "onnx", "benign.onnx"))
	case ".gguf":
		return os.ReadFile(filepath.Join("..", "testdata", "models", "gguf", "benign.gguf"))
	}
	if len(tensors) == 0 {
		tensors = []string{"weight"}
	}
	return safetensorsFile(tensors), nil
}

// safetensorsFile builds a safetensors file holding each named tensor as
// F32 [2, 4] (8 parameters each).
func safetensorsFile(names []string) []byte {
	hdr := map[string]any{}
	for i, n := range names {
		hdr[n] = map[string]any{"dtype": "F32", "shape": []int{2, 4}, "data_offsets": []int{i * 32, (i + 1) * 32}}
	}
	h, _ := json.Marshal(hdr)
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	var buf bytes.Buffer
	_ = binary.Write(&buf, binary.LittleEndian, uint64(len(h)))
	buf.Write(h)
	buf.Write(make([]byte, 32*len(names)))
	return buf.Bytes()
}

// component returns the BOM's component with bom-ref ref, or fails.
func component(t *testing.T, bom *cdx.BOM, ref string) cdx.Component {
	t.Helper()
	if bom.Metadata.Component.BOMRef == ref {
		return *bom.Metadata.Component
	}
	for _, c := range *bom.Components {
		if c.BOMRef == ref {
			return c
		}
	}
	t.Fatalf("no component %s", ref)
	return cdx.Component{}
}

// dependsOn returns the dependencies of ref in the BOM's graph.
func dependsOn(bom *cdx.BOM, ref string) []string {
	for _, d := range *bom.Dependencies {
		if d.Ref == ref && d.Dependencies != nil {
			return *d.Dependencies
		}
	}
	return nil
}

type sourceProblem = source.Problem

func removeFile(dir, rel string) error { return os.Remove(filepath.Join(dir, filepath.FromSlash(rel))) }

// fixtureBOMs caches the result of generating each fixture repository,
// with or without weights: tests only read it, and each BOM is generated
// and validated (JSON schemas, XSDs, SPDX) once per test binary.
var fixtureBOMs sync.Map // "name|weights" -> *fixtureBOM

type fixtureBOM struct {
	once sync.Once
	dir  string
	res  *Result
}

// generateRepo returns the cached result of generating the fixture name
// (from a folder that belongs to the test that generated it first, and may
// be gone): never change it.
func generateRepo(t *testing.T, name string, weights bool) *Result {
	t.Helper()
	v, _ := fixtureBOMs.LoadOrStore(fmt.Sprintf("%s|%v", name, weights), &fixtureBOM{})
	fb := v.(*fixtureBOM)
	fb.once.Do(func() {
		fb.dir = repoDir(t, name, weights)
		fb.res = generate(t, fb.dir)
	})
	if fb.res == nil {
		t.Fatalf("generating %s failed in another test", name)
	}
	return fb.res
}
