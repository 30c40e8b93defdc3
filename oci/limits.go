package oci

import (
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Limits bound everything read from a registry, a layout or a tarball.
// A zero field means its default (DefaultLimits), field by field, so a
// partly filled Limits never weakens the others.
type Limits struct {
	// MaxManifestSize bounds a manifest or an index (default 4 MiB).
	MaxManifestSize int64
	// MaxConfigSize bounds a config blob: ModelPack config, Kitfile,
	// image config (default 4 MiB).
	MaxConfigSize int64
	// MaxLayers bounds the layers of one manifest (default 4096).
	MaxLayers int
	// MaxIndexEntries bounds the manifests of one index (default 1024).
	MaxIndexEntries int
	// MaxIndexDepth bounds nested indexes (default 4).
	MaxIndexDepth int
	// MaxTarEntries bounds the headers read from one tar layer (default
	// 1<<20).
	MaxTarEntries int
	// MaxDecompressed bounds the bytes a compressed layer may expand to
	// (default 1 TiB), against decompression bombs.
	MaxDecompressed int64
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxManifestSize: 4 << 20,
		MaxConfigSize:   4 << 20,
		MaxLayers:       4096,
		MaxIndexEntries: 1024,
		MaxIndexDepth:   4,
		MaxTarEntries:   1 << 20,
		MaxDecompressed: 1 << 40,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxManifestSize > 0 {
		d.MaxManifestSize = l.MaxManifestSize
	}
	if l.MaxConfigSize > 0 {
		d.MaxConfigSize = l.MaxConfigSize
	}
	if l.MaxLayers > 0 {
		d.MaxLayers = l.MaxLayers
	}
	if l.MaxIndexEntries > 0 {
		d.MaxIndexEntries = l.MaxIndexEntries
	}
	if l.MaxIndexDepth > 0 {
		d.MaxIndexDepth = l.MaxIndexDepth
	}
	if l.MaxTarEntries > 0 {
		d.MaxTarEntries = l.MaxTarEntries
	}
	if l.MaxDecompressed > 0 {
		d.MaxDecompressed = l.MaxDecompressed
	}
	return d
}

// Sentinel errors.
var (
	// ErrDigestMismatch: bytes read do not hash to the digest that names them.
	ErrDigestMismatch = errors.New("oci: digest mismatch")
	// ErrSizeMismatch: a blob is not the size its descriptor says.
	ErrSizeMismatch = errors.New("oci: size mismatch")
	// ErrTooLarge: a manifest, config, count or decompressed size exceeds
	// its limit.
	ErrTooLarge = errors.New("oci: over limit")
	// ErrUnsupported: a media type, digest algorithm or layout aibom does
	// not read.
	ErrUnsupported = errors.New("oci: unsupported")
	// ErrNotFound: no manifest, blob or index entry with that name.
	ErrNotFound = errors.New("oci: not found")
	// ErrUnsafePath: a file path that is absolute, climbs out of the
	// destination with "..", or goes through a link.
	ErrUnsafePath = errors.New("oci: unsafe path")
)

// LayerError is an error reading one layer; it names the layer.
type LayerError struct {
	Index  int
	Digest v1.Hash
	// Member is the tar member being read, if any.
	Member string
	Err    error
}

func (e *LayerError) Error() string {
	if e.Member != "" {
		return fmt.Sprintf("layer %d (%s), member %q: %v", e.Index, e.Digest, e.Member, e.Err)
	}
	return fmt.Sprintf("layer %d (%s): %v", e.Index, e.Digest, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }
