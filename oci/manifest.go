package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// AnnotationORASUnpack marks an ORAS layer holding a folder as a tar+gzip.
const AnnotationORASUnpack = "io.deis.oras.content.unpack"

// parse decodes RawManifest, classifies the artifact, lists its layers and
// reads its config.
func (a *Artifact) parse(ctx context.Context) error {
	var m v1.Manifest
	if err := json.Unmarshal(a.RawManifest, &m); err != nil {
		return fmt.Errorf("not a manifest: %w", err)
	}
	if len(m.Layers) > a.lim.MaxLayers {
		return fmt.Errorf("%d layers: %w (%d)", len(m.Layers), ErrTooLarge, a.lim.MaxLayers)
	}
	a.Manifest = &m
	a.Kind = classify(m.ArtifactType, string(m.Config.MediaType))
	for i, d := range m.Layers {
		if !validHash(d.Digest) {
			return fmt.Errorf("layer %d: digest %q: %w", i, d.Digest, ErrUnsupported)
		}
		if d.Size < 0 {
			return fmt.Errorf("layer %d: negative size %d", i, d.Size)
		}
		a.Layers = append(a.Layers, a.layer(i, d))
	}
	if jsonConfig(string(m.Config.MediaType)) {
		b, err := readVerified(ctx, a.st, m.Config, a.lim.MaxConfigSize, "config")
		if err != nil {
			return err
		}
		a.Config = b
	}
	return nil
}

func jsonConfig(mt string) bool {
	return strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "/json")
}

// layer describes layer i. Names come from org.cncf.model.filepath, then
// org.opencontainers.image.title. In a generic artifact (ORAS), a titled
// layer is one raw file whatever its media type (ORAS labels files
// application/vnd.oci.image.layer.v1.tar by default) unless it carries
// io.deis.oras.content.unpack=true, ORAS's mark of a gzipped folder.
func (a *Artifact) layer(i int, d v1.Descriptor) Layer {
	l := Layer{Index: i, Digest: d.Digest, Size: d.Size, MediaType: string(d.MediaType), Annotations: d.Annotations}
	l.Packing = PackingOf(l.MediaType)
	l.Path = d.Annotations[AnnotationFilepath]
	if l.Path == "" {
		l.Path = d.Annotations[AnnotationTitle]
	}
	if a.Kind == Generic && l.Path != "" {
		l.Packing = Raw
		if d.Annotations[AnnotationORASUnpack] == "true" {
			l.Packing = TarGzip
		}
	}
	if l.Packing == Raw && l.Path == "" {
		l.Path = d.Digest.Hex + extension(l.MediaType)
	}
	return l
}

// extension names an unnamed raw layer by its media type, so that the
// name says what it is (Docker model layers carry no file name).
func extension(mt string) string {
	switch {
	case strings.Contains(mt, "gguf"):
		return ".gguf"
	case strings.Contains(mt, "safetensors"):
		return ".safetensors"
	case strings.HasSuffix(mt, ".jinja"):
		return ".jinja"
	case strings.HasSuffix(mt, ".license"):
		return ".LICENSE"
	case strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "/json"):
		return ".json"
	}
	return ""
}

// cleanPath turns a path from a manifest or a tar header into a clean
// relative path with / separators, refusing absolute paths and paths that
// climb out with "..".
func cleanPath(p string) (string, error) {
	p = strings.ReplaceAll(p, "\\", "/")
	if strings.HasPrefix(p, "/") || (len(p) > 1 && p[1] == ':') {
		return "", fmt.Errorf("%w: absolute path %q", ErrUnsafePath, p)
	}
	c := path.Clean(p)
	if c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, p)
	}
	return c, nil
}
