package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Kind classifies an artifact.
type Kind string

// Kinds of artifact.
const (
	// ModelPack: a CNCF ModelPack model (config ModelPackConfig or
	// artifactType ModelPackArtifactType).
	ModelPack Kind = "modelpack"
	// KitOps: a KitOps ModelKit (config KitOpsConfig, the Kitfile).
	KitOps Kind = "kitops"
	// DockerModel: a Docker model artifact (config application/vnd.docker.ai.*).
	DockerModel Kind = "docker-model"
	// Generic: any other OCI artifact, such as what `oras push` writes:
	// each layer is a file named by its org.opencontainers.image.title.
	Generic Kind = "artifact"
	// Image: a container image; its files are those of all its layers.
	Image Kind = "image"
)

// Artifact is one manifest, resolved to its digest, with its config and
// layers. Everything after Open reads by digest only.
type Artifact struct {
	// Kind is what the artifact is.
	Kind Kind
	// Repository is the registry repository ("ghcr.io/org/model") for a
	// registry artifact, empty otherwise.
	Repository string
	// Tag is the tag the reference named, if any.
	Tag string
	// Digest is the manifest's digest.
	Digest v1.Hash
	// IndexDigest is the digest of the index the manifest was picked
	// from, when a registry reference named an index; zero otherwise (a
	// layout's index.json is not an artifact's index).
	IndexDigest v1.Hash
	// RawManifest is the manifest as read; Manifest is it parsed.
	RawManifest []byte
	Manifest    *v1.Manifest
	// Config is the config blob, verified against its digest, when its
	// media type is JSON: the ModelPack config, the Kitfile, the Docker
	// model config, the image config. One over Limits.MaxConfigSize fails
	// Open.
	Config []byte
	// Layers lists the layers in manifest order.
	Layers []Layer

	st  store
	lim Limits
}

// Layer is one layer of an artifact.
type Layer struct {
	// Index is the layer's position in the manifest.
	Index     int
	Digest    v1.Hash
	Size      int64
	MediaType string
	// Packing says whether the layer is one raw file or a tar.
	Packing     Packing
	Annotations map[string]string
	// Path names the file of a raw layer (from org.cncf.model.filepath
	// or org.opencontainers.image.title, else the digest's hex); for a tar
	// layer, the folder its member paths are relative to, if annotated.
	Path string
}

// Option configures Open.
type Option func(*options)

type options struct {
	reg      Registry
	platform *v1.Platform
	lim      Limits
}

// WithRegistry says how to reach registries (credentials, --insecure).
func WithRegistry(r Registry) Option { return func(o *options) { o.reg = r } }

// WithPlatform picks the manifest for p from an image index. Without it,
// the first manifest of a model kind (ModelPack, KitOps, Docker model) is
// picked, else the first manifest.
func WithPlatform(p v1.Platform) Option { return func(o *options) { o.platform = &p } }

// WithLimits sets the bounds on what is read (zero fields keep defaults).
func WithLimits(l Limits) Option { return func(o *options) { o.lim = l } }

// Open opens the artifact at loc: "oci://REF" (a registry), an OCI image
// layout folder, or a tarball (an OCI layout in a tar, as `docker save`
// writes since Docker 25, or the older `docker save` format). The caller
// must Close it.
func Open(ctx context.Context, loc string, opts ...Option) (*Artifact, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	o.lim = o.lim.withDefaults()
	if strings.HasPrefix(loc, Scheme) {
		ref, err := o.reg.ParseReference(loc)
		if err != nil {
			return nil, err
		}
		return OpenRemote(ctx, ref, opts...)
	}
	st, err := os.Stat(loc)
	if err != nil {
		return nil, fmt.Errorf("oci: %w", err)
	}
	var s store
	if st.IsDir() {
		s = &layoutStore{fs: &dirFiles{dir: loc}, desc: loc}
	} else {
		if s, err = openTarball(loc, o.lim); err != nil {
			return nil, err
		}
	}
	a, err := resolve(ctx, s, o)
	if err != nil {
		s.close()
		return nil, err
	}
	return a, nil
}

// OpenRemote opens the artifact ref names in a registry. The reference is
// resolved to a digest once; every later read is by digest.
func OpenRemote(ctx context.Context, ref name.Reference, opts ...Option) (*Artifact, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	o.lim = o.lim.withDefaults()
	s, err := newRemoteStore(ctx, o.reg, ref)
	if err != nil {
		return nil, err
	}
	a, err := resolve(ctx, s, o)
	if err != nil {
		return nil, err
	}
	a.Repository = ref.Context().Name()
	if t, ok := ref.(name.Tag); ok {
		a.Tag = t.TagStr()
	}
	return a, nil
}

// Close releases open files.
func (a *Artifact) Close() error { return a.st.close() }

// manifestHead is what tells a manifest from an index.
type manifestHead struct {
	MediaType    string `json:"mediaType"`
	ArtifactType string `json:"artifactType"`
	Config       *struct {
		MediaType string `json:"mediaType"`
	} `json:"config"`
	Manifests json.RawMessage `json:"manifests"`
}

func isIndex(raw []byte, mt string) (bool, error) {
	var h manifestHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return false, fmt.Errorf("oci: manifest is not JSON: %w", err)
	}
	if h.MediaType != "" {
		mt = h.MediaType
	}
	switch mt {
	case OCIIndex, DockerIndex:
		return true, nil
	case OCIManifest, DockerManifest:
		return false, nil
	}
	return h.Manifests != nil && h.Config == nil, nil
}

// resolve reads the root manifest once, follows indexes to one manifest,
// and reads that manifest's config.
func resolve(ctx context.Context, s store, o options) (*Artifact, error) {
	raw, mt, err := s.root(ctx, o.lim.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	a := &Artifact{st: s, lim: o.lim}
	digest := sha256Of(raw)
	for depth := 0; ; depth++ {
		idx, err := isIndex(raw, mt)
		if err != nil {
			return nil, err
		}
		if !idx {
			break
		}
		if depth >= o.lim.MaxIndexDepth {
			return nil, fmt.Errorf("oci: indexes nested deeper than %d: %w", o.lim.MaxIndexDepth, ErrTooLarge)
		}
		if _, local := s.(*layoutStore); depth == 0 && !local {
			a.IndexDigest = digest // a layout's index.json is no artifact's index
		}
		d, err := pick(ctx, s, raw, o)
		if err != nil {
			return nil, fmt.Errorf("oci: index %s: %w", digest, err)
		}
		if raw, err = s.manifest(ctx, d, o.lim.MaxManifestSize); err != nil {
			return nil, err
		}
		mt, digest = string(d.MediaType), d.Digest
	}
	a.Digest, a.RawManifest = digest, raw
	if err := a.parse(ctx); err != nil {
		return nil, fmt.Errorf("oci: manifest %s: %w", digest, err)
	}
	return a, nil
}

// pick chooses one manifest of an index: the one for the platform option,
// else the first whose artifactType or config says it is a model, else
// the first.
func pick(ctx context.Context, s store, raw []byte, o options) (v1.Descriptor, error) {
	var idx v1.IndexManifest
	if err := json.Unmarshal(raw, &idx); err != nil {
		return v1.Descriptor{}, fmt.Errorf("not an index: %w", err)
	}
	if len(idx.Manifests) == 0 {
		return v1.Descriptor{}, fmt.Errorf("no manifests: %w", ErrNotFound)
	}
	if len(idx.Manifests) > o.lim.MaxIndexEntries {
		return v1.Descriptor{}, fmt.Errorf("%d manifests: %w (%d)", len(idx.Manifests), ErrTooLarge, o.lim.MaxIndexEntries)
	}
	if o.platform != nil {
		for _, d := range idx.Manifests {
			if d.Platform != nil && d.Platform.Satisfies(*o.platform) {
				return d, nil
			}
		}
		return v1.Descriptor{}, fmt.Errorf("no manifest for platform %s: %w", o.platform, ErrNotFound)
	}
	for _, d := range idx.Manifests {
		if modelKind(d.ArtifactType, "") {
			return d, nil
		}
	}
	for _, d := range idx.Manifests {
		if d.MediaType != OCIManifest && d.MediaType != DockerManifest {
			continue
		}
		b, err := s.manifest(ctx, d, o.lim.MaxManifestSize)
		if err != nil {
			return v1.Descriptor{}, err
		}
		var h manifestHead
		if json.Unmarshal(b, &h) == nil && h.Config != nil && modelKind(h.ArtifactType, h.Config.MediaType) {
			return d, nil
		}
	}
	return idx.Manifests[0], nil
}

func modelKind(artifactType, configType string) bool {
	k := classify(artifactType, configType)
	return k == ModelPack || k == KitOps || k == DockerModel
}

func classify(artifactType, configType string) Kind {
	switch {
	case artifactType == ModelPackArtifactType || configType == ModelPackConfig:
		return ModelPack
	case configType == KitOpsConfig || strings.HasPrefix(artifactType, "application/vnd.kitops."):
		return KitOps
	case strings.HasPrefix(configType, DockerModelPrefix) || strings.HasPrefix(artifactType, DockerModelPrefix):
		return DockerModel
	case artifactType == "" && (configType == OCIImageConfig || configType == DockerConfig):
		return Image
	}
	return Generic
}
