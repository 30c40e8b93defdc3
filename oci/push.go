package oci

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Role says what a file is for in a model; it decides its ModelPack layer.
// aibom's classifier decides roles, not this package.
type Role string

// Roles of a file.
const (
	// RoleWeights: one raw layer per file (ModelPackWeightRaw); the layer
	// digest is the file's SHA-256.
	RoleWeights Role = "weights"
	// RoleConfig, RoleTokenizer: together in one ModelPackWeightConfigTar layer.
	RoleConfig    Role = "config"
	RoleTokenizer Role = "tokenizer"
	// RoleDoc: one ModelPackDocTar layer (README, LICENSE, card).
	RoleDoc Role = "doc"
	// RoleCode: one ModelPackCodeTar layer.
	RoleCode Role = "code"
	// RoleDataset: one ModelPackDatasetTar layer.
	RoleDataset Role = "dataset"
)

// PushFile is one file to package.
type PushFile struct {
	// Path is the file's path in the model (relative, / separators).
	Path string
	// Size is the file's size in bytes.
	Size int64
	// Open reads the file's content; it is called more than once (a hash
	// pass, then the upload), and each call must yield the same bytes.
	Open func() (io.ReadCloser, error)
	Role Role
}

// tarMediaType is the layer media type of each grouped role.
var tarMediaType = map[Role]string{
	RoleConfig:    ModelPackWeightConfigTar,
	RoleTokenizer: ModelPackWeightConfigTar,
	RoleDoc:       ModelPackDocTar,
	RoleCode:      ModelPackCodeTar,
	RoleDataset:   ModelPackDatasetTar,
}

// tarEpoch is the modification time of every tar member: pushing the same
// files twice gives the same digests.
var tarEpoch = time.Unix(0, 0).UTC()

// NewModelPack packages files as a ModelPack artifact, without copying
// them: each file is read once here to compute the digests, and again when
// the artifact is written. Weight files become raw layers (sorted by path);
// the other roles one deterministic tar layer each (members sorted, fixed
// times, owners and modes). cfg's ModelFS is filled in.
func NewModelPack(ctx context.Context, files []PushFile, cfg ModelConfig) (v1.Image, error) {
	files = append([]PushFile(nil), files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	seen := map[string]bool{}
	var layers []*fileLayer
	groups := map[string][]PushFile{}
	for _, f := range files {
		p, err := cleanPath(f.Path)
		if err != nil {
			return nil, err
		}
		if seen[p] {
			return nil, fmt.Errorf("oci: %s listed twice", p)
		}
		seen[p] = true
		f.Path = p
		if f.Role == RoleWeights {
			layers = append(layers, rawLayer(f))
			continue
		}
		mt, ok := tarMediaType[f.Role]
		if !ok {
			return nil, fmt.Errorf("oci: %s: unknown role %q", f.Path, f.Role)
		}
		groups[mt] = append(groups[mt], f)
	}
	for _, mt := range []string{ModelPackWeightConfigTar, ModelPackDocTar, ModelPackCodeTar, ModelPackDatasetTar} {
		if g := groups[mt]; len(g) > 0 {
			layers = append(layers, tarLayer(mt, g))
		}
	}
	if err := hashLayers(ctx, layers); err != nil {
		return nil, err
	}
	return modelPackImage(layers, cfg)
}

// hashLayers computes the layers' digests, two at a time per core.
func hashLayers(ctx context.Context, layers []*fileLayer) error {
	sem := make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	errs := make([]error, len(layers))
	for i, l := range layers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = l.hash(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// fileLayer is a layer read from disk on demand: a raw file, or a tar
// made on the fly.
type fileLayer struct {
	mt          string
	annotations map[string]string
	open        func() (io.ReadCloser, error)
	what        string
	digest      v1.Hash
	size        int64
}

func rawLayer(f PushFile) *fileLayer {
	// The title lets `oras pull` write the file too.
	return &fileLayer{
		mt:          ModelPackWeightRaw,
		annotations: map[string]string{AnnotationFilepath: f.Path, AnnotationTitle: f.Path},
		open:        f.Open,
		what:        f.Path,
	}
}

func tarLayer(mt string, files []PushFile) *fileLayer {
	return &fileLayer{
		mt:   mt,
		open: func() (io.ReadCloser, error) { return tarStream(files), nil },
		what: mt,
	}
}

// tarStream writes a deterministic tar of files into a pipe.
func tarStream(files []PushFile) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := func() error {
			for _, f := range files {
				if err := addFile(tw, f); err != nil {
					return err
				}
			}
			return tw.Close()
		}()
		pw.CloseWithError(err)
	}()
	return pr
}

func addFile(tw *tar.Writer, f PushFile) error {
	fh, err := f.Open()
	if err != nil {
		return err
	}
	defer fh.Close()
	h := &tar.Header{
		Typeflag: tar.TypeReg, Name: f.Path, Size: f.Size, Mode: 0o644,
		ModTime: tarEpoch, Format: tar.FormatPAX,
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if _, err := io.Copy(tw, fh); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	return nil
}

func (l *fileLayer) hash(ctx context.Context) error {
	rc, err := l.open()
	if err != nil {
		return fmt.Errorf("oci: %s: %w", l.what, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, ctxReader{ctx, rc}, make([]byte, copyBufferSize))
	if err != nil {
		return fmt.Errorf("oci: hashing %s: %w", l.what, err)
	}
	l.digest, l.size = v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, n
	return nil
}

// partial.CompressedLayer: the layers are stored uncompressed.
func (l *fileLayer) Digest() (v1.Hash, error)             { return l.digest, nil }
func (l *fileLayer) DiffID() (v1.Hash, error)             { return l.digest, nil }
func (l *fileLayer) Size() (int64, error)                 { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error)  { return types.MediaType(l.mt), nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)   { return l.open() }
func (l *fileLayer) Uncompressed() (io.ReadCloser, error) { return l.open() }

// modelPackImage assembles the config and manifest.
func modelPackImage(layers []*fileLayer, cfg ModelConfig) (v1.Image, error) {
	cfg.ModelFS = ModelFS{Type: "layers"}
	m := v1.Manifest{
		SchemaVersion: 2, MediaType: OCIManifest, ArtifactType: ModelPackArtifactType,
	}
	img := &packed{layers: map[v1.Hash]*fileLayer{}}
	for _, l := range layers {
		cfg.ModelFS.DiffIDs = append(cfg.ModelFS.DiffIDs, l.digest.String())
		m.Layers = append(m.Layers, v1.Descriptor{
			MediaType: types.MediaType(l.mt), Size: l.size, Digest: l.digest, Annotations: l.annotations,
		})
		img.layers[l.digest] = l
	}
	var err error
	if img.config, err = json.Marshal(cfg); err != nil {
		return nil, err
	}
	m.Config = v1.Descriptor{MediaType: ModelPackConfig, Size: int64(len(img.config)), Digest: sha256Of(img.config)}
	if img.manifest, err = json.Marshal(m); err != nil {
		return nil, err
	}
	return partial.CompressedToImage(img)
}

// packed is a ModelPack artifact whose layers are read from disk.
type packed struct {
	config, manifest []byte
	layers           map[v1.Hash]*fileLayer
}

func (p *packed) RawConfigFile() ([]byte, error)      { return p.config, nil }
func (p *packed) RawManifest() ([]byte, error)        { return p.manifest, nil }
func (p *packed) MediaType() (types.MediaType, error) { return OCIManifest, nil }
func (p *packed) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if l, ok := p.layers[h]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("%w: layer %s", ErrNotFound, h)
}

// Push writes img to ref and returns its digest. Blobs the registry
// already has are not uploaded again (go-containerregistry asks with HEAD
// first).
func Push(ctx context.Context, reg Registry, ref name.Reference, img v1.Image) (v1.Hash, error) {
	d, err := img.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Write(ref, img, reg.RemoteOptions(ctx)...); err != nil {
		return v1.Hash{}, fmt.Errorf("oci: pushing %s: %w", ref, err)
	}
	return d, nil
}
