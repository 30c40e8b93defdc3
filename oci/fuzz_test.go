package oci

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// memStore serves a root manifest and blobs from memory.
type memStore struct {
	rootRaw []byte
	blobs   map[v1.Hash][]byte
}

func (m *memStore) root(context.Context, int64) ([]byte, string, error) {
	return m.rootRaw, "", nil
}

func (m *memStore) manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	return readVerified(ctx, m, d, limit, "manifest")
}

func (m *memStore) blob(_ context.Context, d v1.Hash, _ int64) (io.ReadCloser, error) {
	b, ok := m.blobs[d]
	if !ok {
		return nil, ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memStore) blobAt(_ context.Context, d v1.Hash, _ int64) (io.ReaderAt, error) {
	return bytes.NewReader(m.blobs[d]), nil
}

func (m *memStore) close() error { return nil }

// FuzzTarLayer walks arbitrary bytes as a tar, tar+gzip and tar+zstd
// layer: it must never panic, and a layer it accepts must have the
// digest and size it claims.
func FuzzTarLayer(f *testing.F) {
	f.Add(tarBytes(f, false, tar.Header{Name: "a/b.txt"}, tar.Header{Name: "c", Typeflag: tar.TypeSymlink, Linkname: "/x"}))
	f.Add(tarBytes(f, true, tar.Header{Name: "../x"}))
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := sha256Of(b)
		for _, p := range []Packing{Tar, TarGzip, TarZstd} {
			a := &Artifact{Kind: ModelPack, st: &memStore{blobs: map[v1.Hash][]byte{d: b}}, lim: Limits{MaxTarEntries: 64, MaxDecompressed: 1 << 20}.withDefaults()}
			a.Layers = []Layer{{Digest: d, Size: int64(len(b)), Packing: p, MediaType: "x"}}
			err := a.Walk(context.Background(), func(_ context.Context, e Entry) error {
				_, err := io.Copy(io.Discard, e.R)
				return err
			})
			if errors.Is(err, ErrDigestMismatch) || errors.Is(err, ErrSizeMismatch) {
				t.Fatalf("%s: correct bytes reported as %v", p, err)
			}
		}
	})
}

// FuzzManifest resolves arbitrary bytes as a root manifest or index.
func FuzzManifest(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.cncf.model.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[{"mediaType":"application/vnd.cncf.model.weight.v1.raw","size":3,"digest":"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae","annotations":{"org.cncf.model.filepath":"../w"}}]}`))
	f.Add([]byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","size":10,"digest":"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}]}`))
	f.Fuzz(func(_ *testing.T, b []byte) {
		s := &memStore{rootRaw: b, blobs: map[v1.Hash][]byte{sha256Of([]byte("{}")): []byte("{}")}}
		a, err := resolve(context.Background(), s, options{lim: DefaultLimits()})
		if err != nil {
			return
		}
		_ = a.Walk(context.Background(), func(context.Context, Entry) error { return nil })
		_, _ = a.ModelConfig()
		_, _ = a.Kitfile()
	})
}

// FuzzConfig decodes arbitrary bytes as a ModelPack config and a Kitfile.
func FuzzConfig(f *testing.F) {
	f.Add([]byte(`{"descriptor":{"name":"m","licenses":["MIT"]},"modelfs":{"type":"layers","diffIds":["sha256:00"]},"config":{"format":"gguf"}}`))
	f.Add([]byte(`{"manifestVersion":"1.0.0","package":{"name":"k"},"model":{"path":"m.gguf","parts":[{"path":"p"}]},"datasets":[{"path":"d"}]}`))
	f.Fuzz(func(_ *testing.T, b []byte) {
		_, _ = ParseModelConfig(b)
		_, _ = ParseKitfile(b)
	})
}
