package source

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/seed-43c89ce6/aibom/oci"
)

// Kinds of OCI Source.
const (
	OCIRegistry Kind = "oci-registry"
	OCILayout   Kind = "oci-layout"
	OCITarball  Kind = "oci-tarball"
)

// Bounds on the tar members an OCI source keeps after reading them (see
// OCI).
const (
	ociKeepFile  = 4 << 20
	ociKeepTotal = 64 << 20
)

// OCI is an OCI artifact (package oci) as a Source. Its entries:
//
//   - a raw layer is one RandomAccess entry whose Digest is the layer's
//     digest. Its bytes are read by range and NOT checked against that
//     digest by the source: a consumer that reads the whole file compares
//     its SHA-256 with Digest (the runner does, and reports a mismatch as
//     an invalid file);
//   - a tar member is a streamed entry with no Digest. The layer's digest
//     is checked as it streams: Walk fails when it is wrong, after the
//     members were passed on, so a consumer must discard what it made of
//     them (the runner and aibom.Generate fail).
//
// A tar member of at most 4 MiB that is read whole during the walk is kept
// in memory (64 MiB in all), and may be opened again after a Walk that
// ended without error (its layer verified): that is how the BOM stages read
// model cards, configs and indexes after the scan. Other streamed entries
// fail with ErrStreamed after the walk.
//
// Every entry also implements OCIEntry (layer digest and media type).
type OCI struct {
	a    *oci.Artifact
	info Info
	kept int64
	done bool // a Walk ended without error
}

// OCIEntry is implemented by the entries of an OCI source.
type OCIEntry interface {
	Entry
	// LayerDigest is the digest of the layer the file came from.
	LayerDigest() string
	// MediaType is that layer's media type.
	MediaType() string
}

// IsOCI reports whether loc names an OCI artifact rather than local model
// files: "oci://REF", a folder holding an oci-layout file, or a tar file
// that is an image (see IsImageTar).
func IsOCI(loc string) bool {
	if strings.HasPrefix(loc, oci.Scheme) {
		return true
	}
	if isLayoutDir(loc) {
		return true
	}
	ok, _ := IsImageTar(loc)
	return ok
}

// OpenOCI opens loc (see IsOCI) with package oci and returns it as a
// Source. The caller closes it.
func OpenOCI(ctx context.Context, loc string, opts ...oci.Option) (*OCI, error) {
	a, err := oci.Open(ctx, loc, opts...)
	if err != nil {
		return nil, err
	}
	kind := OCITarball
	switch {
	case strings.HasPrefix(loc, oci.Scheme):
		kind = OCIRegistry
	case isLayoutDir(loc):
		kind = OCILayout
	}
	return NewOCI(a, kind, loc), nil
}

// NewOCI returns a as a Source of the given kind; root names it in
// messages. Closing the Source closes a.
func NewOCI(a *oci.Artifact, kind Kind, root string) *OCI {
	name := filepath.Base(strings.TrimSuffix(root, "/"))
	if a.Repository != "" {
		name = path.Base(a.Repository)
	}
	return &OCI{a: a, info: Info{Kind: kind, Root: root, Name: name, Revision: a.Digest.String()}}
}

// Artifact returns the artifact read.
func (s *OCI) Artifact() *oci.Artifact { return s.a }

// Info describes the source; Revision is the manifest digest.
func (s *OCI) Info() Info { return s.info }

// Close closes the artifact.
func (s *OCI) Close() error { return s.a.Close() }

// Walk passes each file of the artifact to fn (see OCI).
func (s *OCI) Walk(ctx context.Context, fn WalkFunc) error {
	s.done, s.kept = false, 0
	err := s.a.Walk(ctx, func(_ context.Context, e oci.Entry) error {
		base := ociBase{f: e.File}
		if e.At != nil {
			return fn(&ociRaw{ociBase: base, s: s}, nil)
		}
		m := &ociMember{ociBase: base, s: s, r: e.R, live: true}
		err := fn(m, nil)
		m.live = false
		return err
	})
	if err != nil {
		return err
	}
	s.done = true
	return nil
}

type ociBase struct{ f oci.File }

func (b ociBase) Path() string        { return b.f.Path }
func (b ociBase) Size() int64         { return b.f.Size }
func (b ociBase) LayerDigest() string { return b.f.Layer.String() }
func (b ociBase) MediaType() string   { return b.f.MediaType }
func (b ociBase) Shadowed() bool      { return b.f.Shadowed }
func (b ociBase) Digest() string {
	if b.f.Digest.Hex == "" {
		return ""
	}
	return b.f.Digest.String()
}

// ociRaw is a raw layer: read at random, any time the artifact is open.
type ociRaw struct {
	ociBase
	s *OCI
}

func (e *ociRaw) OpenAt(ctx context.Context) (ReaderAt, error) {
	r, err := e.s.a.OpenLayer(ctx, e.s.a.Layers[e.f.LayerIndex])
	if err != nil {
		return nil, err
	}
	if c, ok := r.(ReaderAt); ok {
		return c, nil
	}
	return nopCloserAt{r}, nil
}

func (e *ociRaw) Open(ctx context.Context) (io.ReadCloser, error) {
	ra, err := e.OpenAt(ctx)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(ra, 0, e.f.Size), ra}, nil
}

type nopCloserAt struct{ io.ReaderAt }

func (nopCloserAt) Close() error { return nil }

// ociMember is a tar member, streamed once.
type ociMember struct {
	ociBase
	s      *OCI
	r      io.Reader
	live   bool // inside its WalkFunc
	opened bool
	kept   []byte // the whole member, when kept
}

func (e *ociMember) Open(context.Context) (io.ReadCloser, error) {
	if !e.live {
		if e.s.done && e.kept != nil && int64(len(e.kept)) == e.f.Size {
			return io.NopCloser(bytes.NewReader(e.kept)), nil
		}
		return nil, fmt.Errorf("%s: %w", e.f.Path, ErrStreamed)
	}
	if e.opened {
		return nil, fmt.Errorf("%s: %w", e.f.Path, ErrStreamed)
	}
	e.opened = true
	if e.f.Size > ociKeepFile || e.s.kept+e.f.Size > ociKeepTotal {
		return io.NopCloser(e.r), nil
	}
	e.s.kept += e.f.Size
	e.kept = make([]byte, 0, e.f.Size)
	return io.NopCloser(&keepReader{r: e.r, e: e}), nil
}

type keepReader struct {
	r io.Reader
	e *ociMember
}

func (k *keepReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	if int64(len(k.e.kept)+n) <= k.e.f.Size {
		k.e.kept = append(k.e.kept, p[:n]...)
	}
	return n, err
}
