package aibom

import (
	"fmt"
	"path"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/lfs"
)

// Properties of files whose content is not in the source.
const (
	propFileContent    = "aibom:file:content"
	propPointerSHA256  = "aibom:lfs:pointer_sha256"
	contentLFSAbsent   = "absent: Git LFS pointer"
	errPointerNotFetch = "is a Git LFS pointer: its content (sha256:%s, %d bytes) is not present, so it was not scanned (run `git lfs pull`)"
)

// weightExts are the extensions of weight files, for files whose content
// is absent and whose role must come from their name.
var weightExts = []string{
	".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf", ".ggml", ".onnx", ".h5", ".hdf5", ".keras",
	".msgpack", ".tflite", ".pb", ".npy", ".npz", ".joblib", ".pkl", ".pickle", ".ot", ".mlmodel", ".pdparams",
	".llamafile", ".nemo", ".engine", ".plan",
}

// pointerOf returns the Git LFS pointer a scan result describes, or nil.
func pointerOf(f scanners.FileResult) *lfs.Pointer {
	p, _ := f.Metadata.(*lfs.Pointer)
	return p
}

// roleByName classifies a file whose content is not present by its name
// alone: a pointer named model.safetensors stands for weights.
func roleByName(p string) string {
	base := strings.ToLower(path.Base(p))
	if r := Role(p, "unknown"); r != "other" && r != "config" || base == "tokenizer.model" {
		return r
	}
	for _, ext := range weightExts {
		if strings.HasSuffix(base, ext) {
			return "weights"
		}
	}
	return Role(p, "unknown")
}

// fileRole is the role of a scanned file: by its format, or by its name
// when it is a pointer.
func fileRole(f scanners.FileResult) string {
	if pointerOf(f) != nil {
		return roleByName(f.Path)
	}
	return Role(f.Path, f.Format)
}

// describePointer makes c name the object a pointer stands for: its
// SHA-256 and size, the pointer's own digest, and that the content is
// absent.
func describePointer(c *cdx.Component, f scanners.FileResult) {
	p := pointerOf(f)
	if p == nil {
		return
	}
	c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: p.OID}}
	for i, pr := range *c.Properties {
		if pr.Name == propFileSize {
			(*c.Properties)[i].Value = fmt.Sprint(p.Size)
		}
	}
	*c.Properties = append(*c.Properties, cdx.Property{Name: propFileContent, Value: contentLFSAbsent})
	if f.SHA256 != "" {
		*c.Properties = append(*c.Properties, cdx.Property{Name: propPointerSHA256, Value: f.SHA256})
	}
}

// pointerProblems says, for each pointer, that its content is absent:
// the BOM names the object but nothing in it was scanned, so --strict
// fails.
func pointerProblems(files []fileEntry) []source.Problem {
	var out []source.Problem
	for _, fe := range files {
		if p := pointerOf(fe.scan); p != nil {
			out = append(out, source.Problem{Path: fe.src.Path, Err: fmt.Errorf(errPointerNotFetch, p.OID, p.Size)})
		}
	}
	return out
}
