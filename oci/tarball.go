package oci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// openTarball opens a tarball: an OCI layout in a tar (oci-layout and
// index.json at its root: `docker save` since Docker 25, `skopeo copy
// oci-archive:`), or the older `docker save` format (manifest.json).
// Compressed tarballs are not read: decompress them first.
func openTarball(p string, lim Limits) (store, error) {
	tf, err := openTarFiles(p, lim.MaxTarEntries)
	if err != nil {
		return nil, fmt.Errorf("oci: %w", err)
	}
	if _, ok := tf.members["index.json"]; ok {
		return &layoutStore{fs: tf, desc: p}, nil
	}
	if _, ok := tf.members["manifest.json"]; ok {
		return &dockerSaveStore{layoutStore: layoutStore{fs: tf, desc: p}}, nil
	}
	tf.close()
	return nil, fmt.Errorf("oci: %s: neither an OCI layout (index.json) nor a docker save tarball (manifest.json): %w", p, ErrUnsupported)
}

// dockerSaveStore reads the older `docker save` format: manifest.json
// names the config and layer files by path. Their digests are computed by
// hashing them in place (one pass over the tarball), and an OCI manifest
// is made from them.
type dockerSaveStore struct {
	layoutStore
	byDigest map[v1.Hash]string
}

type dockerSaveEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

func (s *dockerSaveStore) root(ctx context.Context, limit int64) ([]byte, string, error) {
	r, err := s.fs.open("manifest.json")
	if err != nil {
		return nil, "", err
	}
	b, err := safeio.ReadAll(r, limit)
	if err != nil {
		return nil, "", fmt.Errorf("%s: manifest.json: %w", s.desc, err)
	}
	var entries []dockerSaveEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, "", fmt.Errorf("%s: manifest.json: not a docker save manifest: %w", s.desc, err)
	}
	if len(entries) == 0 {
		return nil, "", fmt.Errorf("%s: manifest.json lists no image: %w", s.desc, ErrNotFound)
	}
	e := entries[0]
	s.byDigest = map[v1.Hash]string{}
	m := v1.Manifest{SchemaVersion: 2, MediaType: DockerManifest}
	if m.Config, err = s.describe(ctx, e.Config, DockerConfig); err != nil {
		return nil, "", err
	}
	for _, l := range e.Layers {
		d, err := s.describe(ctx, l, OCILayerTar)
		if err != nil {
			return nil, "", err
		}
		m.Layers = append(m.Layers, d)
	}
	raw, err := json.Marshal(m)
	return raw, DockerManifest, err
}

// describe hashes the member p; layers that start with the gzip magic are
// labelled gzip.
func (s *dockerSaveStore) describe(ctx context.Context, p, mt string) (v1.Descriptor, error) {
	r, err := s.fs.open(path.Clean(p))
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s: %w", s.desc, err)
	}
	var magic [2]byte
	if n, _ := r.ReadAt(magic[:], 0); n == 2 && magic == [2]byte{0x1f, 0x8b} && mt == OCILayerTar {
		mt = OCILayerTarGzip
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, r}); err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s: hashing %s: %w", s.desc, p, err)
	}
	d := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
	s.byDigest[d] = path.Clean(p)
	return v1.Descriptor{MediaType: typesMediaType(mt), Size: r.Size(), Digest: d}, nil
}

func (s *dockerSaveStore) section(d v1.Hash, size int64) (*io.SectionReader, error) {
	p, ok := s.byDigest[d]
	if !ok {
		return nil, fmt.Errorf("%s: blob %s: %w", s.desc, d, ErrNotFound)
	}
	r, err := s.fs.open(p)
	if err != nil {
		return nil, err
	}
	if r.Size() != size {
		return nil, fmt.Errorf("%s: %s is %d bytes, descriptor says %d: %w", s.desc, p, r.Size(), size, ErrSizeMismatch)
	}
	return r, nil
}

func (s *dockerSaveStore) blob(_ context.Context, d v1.Hash, size int64) (io.ReadCloser, error) {
	r, err := s.section(d, size)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(r), nil
}

func (s *dockerSaveStore) blobAt(_ context.Context, d v1.Hash, size int64) (io.ReaderAt, error) {
	return s.section(d, size)
}

func (s *dockerSaveStore) manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	return readVerified(ctx, s, d, limit, "manifest")
}

// ctxReader stops a long local read when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
