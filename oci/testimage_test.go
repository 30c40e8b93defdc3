package oci

import (
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// rawConfig is an image whose config blob is given bytes (a Kitfile, a
// ModelPack config) instead of an image config.
type rawConfig struct {
	v1.Image
	config []byte
	mt     string
}

func (r *rawConfig) RawConfigFile() ([]byte, error) { return r.config, nil }

func (r *rawConfig) ConfigName() (v1.Hash, error) { return sha256Of(r.config), nil }

func (r *rawConfig) Manifest() (*v1.Manifest, error) {
	m, err := r.Image.Manifest()
	if err != nil {
		return nil, err
	}
	m = m.DeepCopy()
	m.Config = v1.Descriptor{MediaType: types.MediaType(r.mt), Size: int64(len(r.config)), Digest: sha256Of(r.config)}
	return m, nil
}

func (r *rawConfig) RawManifest() ([]byte, error) { return partial.RawManifest(r) }

func (r *rawConfig) Digest() (v1.Hash, error) { return partial.Digest(r) }

func (r *rawConfig) Size() (int64, error) { return partial.Size(r) }

func remoteWriteIndex(ref name.Reference, idx v1.ImageIndex) error {
	return remote.WriteIndex(ref, idx)
}
