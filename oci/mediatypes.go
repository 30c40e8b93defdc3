package oci

import (
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

// CNCF ModelPack (github.com/modelpack/model-spec, v1). The Go module of
// the specification is not served by the module proxy, so its names are
// declared here.
const (
	// ModelPackArtifactType is the artifactType of a ModelPack manifest.
	ModelPackArtifactType = "application/vnd.cncf.model.manifest.v1+json"
	// ModelPackConfig is the media type of the ModelPack config blob
	// (descriptor, modelfs, config).
	ModelPackConfig = "application/vnd.cncf.model.config.v1+json"

	// ModelPackWeight* are weight files (safetensors, GGUF, ...).
	ModelPackWeightRaw     = "application/vnd.cncf.model.weight.v1.raw"
	ModelPackWeightTar     = "application/vnd.cncf.model.weight.v1.tar"
	ModelPackWeightTarGzip = "application/vnd.cncf.model.weight.v1.tar+gzip"
	ModelPackWeightTarZstd = "application/vnd.cncf.model.weight.v1.tar+zstd"
	// ModelPackWeightConfig* are files configuring the weights
	// (config.json, tokenizer files).
	ModelPackWeightConfigRaw     = "application/vnd.cncf.model.weight.config.v1.raw"
	ModelPackWeightConfigTar     = "application/vnd.cncf.model.weight.config.v1.tar"
	ModelPackWeightConfigTarGzip = "application/vnd.cncf.model.weight.config.v1.tar+gzip"
	ModelPackWeightConfigTarZstd = "application/vnd.cncf.model.weight.config.v1.tar+zstd"
	// ModelPackDoc* are documents (README, LICENSE, model card).
	ModelPackDocRaw     = "application/vnd.cncf.model.doc.v1.raw"
	ModelPackDocTar     = "application/vnd.cncf.model.doc.v1.tar"
	ModelPackDocTarGzip = "application/vnd.cncf.model.doc.v1.tar+gzip"
	ModelPackDocTarZstd = "application/vnd.cncf.model.doc.v1.tar+zstd"
	// ModelPackCode* are source files.
	ModelPackCodeRaw     = "application/vnd.cncf.model.code.v1.raw"
	ModelPackCodeTar     = "application/vnd.cncf.model.code.v1.tar"
	ModelPackCodeTarGzip = "application/vnd.cncf.model.code.v1.tar+gzip"
	ModelPackCodeTarZstd = "application/vnd.cncf.model.code.v1.tar+zstd"
	// ModelPackDataset* are datasets.
	ModelPackDatasetRaw     = "application/vnd.cncf.model.dataset.v1.raw"
	ModelPackDatasetTar     = "application/vnd.cncf.model.dataset.v1.tar"
	ModelPackDatasetTarGzip = "application/vnd.cncf.model.dataset.v1.tar+gzip"
	ModelPackDatasetTarZstd = "application/vnd.cncf.model.dataset.v1.tar+zstd"

	// AnnotationFilepath names the file a ModelPack layer holds (for a raw
	// layer) or the folder a tar layer was made from.
	AnnotationFilepath = "org.cncf.model.filepath"
)

// KitOps ModelKits. The config is the Kitfile encoded as JSON.
const (
	KitOpsConfig = "application/vnd.kitops.modelkit.config.v1+json"
	// KitOps layer media types are KitOpsLayerPrefix + kind + ".v1.tar"
	// and optionally "+gzip" or "+zstd"; the kinds are model, modelpart,
	// dataset, code, docs and prompts.
	KitOpsLayerPrefix = "application/vnd.kitops.modelkit."
	KitOpsModelTar    = "application/vnd.kitops.modelkit.model.v1.tar"
	KitOpsModelPart   = "application/vnd.kitops.modelkit.modelpart.v1.tar"
	KitOpsDatasetTar  = "application/vnd.kitops.modelkit.dataset.v1.tar"
	KitOpsCodeTar     = "application/vnd.kitops.modelkit.code.v1.tar"
	KitOpsDocsTar     = "application/vnd.kitops.modelkit.docs.v1.tar"
	KitOpsPromptsTar  = "application/vnd.kitops.modelkit.prompts.v1.tar"
)

// Docker model artifacts (docker model push / Docker Model Runner).
const (
	DockerModelConfigV01 = "application/vnd.docker.ai.model.config.v0.1+json"
	DockerModelConfigV02 = "application/vnd.docker.ai.model.config.v0.2+json"
	// DockerModelPrefix starts every Docker model media type.
	DockerModelPrefix      = "application/vnd.docker.ai."
	DockerModelGGUF        = "application/vnd.docker.ai.gguf.v3"
	DockerModelSafetensors = "application/vnd.docker.ai.safetensors"
	DockerModelLicense     = "application/vnd.docker.ai.license"
	DockerModelTemplate    = "application/vnd.docker.ai.chat.template.jinja"
	DockerModelDirTar      = "application/vnd.docker.ai.dir.tar"
)

// OCI and Docker image media types, and the annotation ORAS uses to name
// the file a raw layer holds.
const (
	OCIManifest       = "application/vnd.oci.image.manifest.v1+json"
	OCIIndex          = "application/vnd.oci.image.index.v1+json"
	OCIImageConfig    = "application/vnd.oci.image.config.v1+json"
	OCIEmptyConfig    = "application/vnd.oci.empty.v1+json"
	OCILayerTar       = "application/vnd.oci.image.layer.v1.tar"
	OCILayerTarGzip   = "application/vnd.oci.image.layer.v1.tar+gzip"
	OCILayerTarZstd   = "application/vnd.oci.image.layer.v1.tar+zstd"
	DockerManifest    = "application/vnd.docker.distribution.manifest.v2+json"
	DockerIndex       = "application/vnd.docker.distribution.manifest.list.v2+json"
	DockerConfig      = "application/vnd.docker.container.image.v1+json"
	DockerLayerGzip   = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	AnnotationTitle   = "org.opencontainers.image.title"
	AnnotationRefName = "org.opencontainers.image.ref.name"
)

// Packing says how a layer holds its files.
type Packing int

// Packings of a layer.
const (
	// Raw: the layer is one file; its digest is the file's SHA-256.
	Raw Packing = iota
	// Tar: an uncompressed tar of files.
	Tar
	// TarGzip: a gzip-compressed tar.
	TarGzip
	// TarZstd: a zstd-compressed tar.
	TarZstd
)

func (p Packing) String() string {
	switch p {
	case Tar:
		return "tar"
	case TarGzip:
		return "tar+gzip"
	case TarZstd:
		return "tar+zstd"
	default:
		return "raw"
	}
}

// PackingOf tells how a layer of media type mt holds its files. Media types
// ending in ".tar", "+tar" (Docker's dir.tar), ".tar+gzip", ".tar.gzip",
// ".tar+zstd" are tars; everything else (ModelPack ".raw", Docker's GGUF and
// safetensors blobs, ORAS files) is one raw file.
func PackingOf(mt string) Packing {
	switch {
	case strings.HasSuffix(mt, "tar+gzip") || strings.HasSuffix(mt, "tar.gzip") || strings.HasSuffix(mt, "tar.gz"):
		return TarGzip
	case strings.HasSuffix(mt, "tar+zstd") || strings.HasSuffix(mt, "tar.zstd"):
		return TarZstd
	case strings.HasSuffix(mt, ".tar") || strings.HasSuffix(mt, "+tar") || mt == DockerModelDirTar:
		return Tar
	}
	return Raw
}

func typesMediaType(s string) types.MediaType { return types.MediaType(s) }
