package runner

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// claim is what a file name promises: the format a loader will read the
// file as, and what that format's first bytes are.
type claim struct {
	format string
	expect string
}

// claims maps the names that name one format unambiguously to it. .bin is
// not here: it also names raw tensors, ONNX external data and OpenVINO
// weights.
var claims = map[string]claim{
	".pkl":           {"pickle", "a pickle stream (or a compressed joblib/zip container) from byte 0"},
	".pickle":        {"pickle", "a pickle stream (or a compressed joblib/zip container) from byte 0"},
	".joblib":        {"joblib", "a pickle stream, raw or compressed (zlib, gzip, bz2, xz, lz4)"},
	".pt":            {"pytorch", "a zip checkpoint, a legacy pickle sequence or a legacy tar"},
	".pth":           {"pytorch", "a zip checkpoint, a legacy pickle sequence or a legacy tar"},
	".ckpt":          {"pytorch", "a zip checkpoint, a legacy pickle sequence or a legacy tar"},
	".npy":           {"numpy", `the "\x93NUMPY" magic and a header`},
	".npz":           {"numpy", "a zip archive of .npy files"},
	".safetensors":   {"safetensors", "an 8-byte little-endian header length followed by a JSON header"},
	".gguf":          {"gguf", `the "GGUF" magic and a version`},
	".onnx":          {"onnx", "an ONNX ModelProto (protobuf)"},
	".keras":         {"keras", "a zip archive with config.json (and metadata.json or model.weights.h5)"},
	".h5":            {"keras", "an HDF5 file (its signature at 0 or after a user block)"},
	".tflite":        {"tflite", `a FlatBuffer with the "TFL3" identifier`},
	"saved_model.pb": {"tensorflow", "a SavedModel protobuf"},
}

// weak are the formats that say only what a text file holds: a file that
// claims a model format and is one of these is still not that model.
var weak = map[string]bool{"unknown": true, "text": true, "chat-template": true, "python": true}

// claimedBy returns the claim of a stream's name (the member name inside
// an archive, else the path), if it makes one.
func claimedBy(f scanners.File) (string, claim, bool) {
	name := f.Name
	if name == "" {
		name = f.Path
	}
	base := strings.ToLower(path.Base(filepath.ToSlash(name)))
	if c, ok := claims[base]; ok {
		return base, c, true
	}
	ext := path.Ext(base)
	c, ok := claims[ext]
	return ext, c, ok
}

// claimError says why a stream whose name claims a format is invalid when
// no scanner accepted its content (format is "unknown"), or when the
// format that did is a bare container where the name promised a model
// layout (a .keras zip without its config): a loader will still try it by
// its name, so it is not merely unscanned. It returns nil otherwise.
func claimError(f scanners.File, format string) error {
	name, c, ok := claimedBy(f)
	if !ok {
		return nil
	}
	switch {
	case f.Size == 0:
		return scanners.Errorf(c.format, 0, "named %s, but the file is empty: %s expects %s", name, c.format, c.expect)
	case weak[format]:
		return scanners.Errorf(c.format, 0, "named %s, but no scanner accepts its content as %s: %s expects %s", name, c.format, c.format, c.expect)
	case format == "zip" && c.format == "keras":
		return scanners.Errorf(c.format, 0, "named %s, but the zip archive is not a Keras model: %s expects %s", name, c.format, c.expect)
	}
	return nil
}
