package aibom

import (
	"bytes"
	"fmt"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/kitfile"
	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/oci"
)

// Property names of models and files read from OCI artifacts.
const (
	propOCIKind        = "aibom:oci:kind"
	propOCIDigest      = "aibom:oci:digest"
	propOCIIndexDigest = "aibom:oci:index_digest"
	propOCIRepository  = "aibom:oci:repository"
	propOCITag         = "aibom:oci:tag"
	propOCILayer       = "aibom:oci:layer"
	propOCIMediaType   = "aibom:oci:media_type"
	propModelPackPref  = "aibom:modelpack:"
)

// artifactOf returns the OCI artifact src reads, or nil.
func artifactOf(src source.Source) *oci.Artifact {
	if s, ok := src.(*source.OCI); ok {
		return s.Artifact()
	}
	return nil
}

// artifactKitfile returns a KitOps artifact's Kitfile (its config) when the
// files carried none, and a problem when it cannot be parsed.
func artifactKitfile(a *oci.Artifact, have *kitfile.Kitfile) (*kitfile.Kitfile, []source.Problem) {
	if a == nil || have != nil || a.Kind != oci.KitOps || len(a.Config) == 0 {
		return have, nil
	}
	kf, err := kitfile.Parse(bytes.NewReader(a.Config), "Kitfile (artifact config)")
	if err != nil {
		return nil, []source.Problem{{Path: a.Digest.String(), Err: err}}
	}
	return kf, nil
}

// artifactConfig parses an OCI artifact's ModelPack config, if it has one.
func artifactConfig(a *oci.Artifact) (*oci.ModelConfig, []source.Problem) {
	if a == nil {
		return nil, nil
	}
	cfg, err := a.ModelConfig()
	if err != nil {
		return nil, []source.Problem{{Path: a.Digest.String(), Err: fmt.Errorf("ModelPack config: %w", err)}}
	}
	return cfg, nil
}

// describeArtifact fills the model component of an OCI artifact: the
// manifest digest as its hash, its pkg:oci purl, and what a ModelPack
// config says where the files' own metadata said nothing.
func describeArtifact(c *cdx.Component, a *oci.Artifact, cfg *oci.ModelConfig) {
	if a == nil {
		return
	}
	var props propList
	props.add(propOCIKind, string(a.Kind))
	props.add(propOCIDigest, a.Digest.String())
	if a.IndexDigest.Hex != "" {
		props.add(propOCIIndexDigest, a.IndexDigest.String())
	}
	props.add(propOCIRepository, a.Repository)
	props.add(propOCITag, a.Tag)
	if cfg != nil {
		modelPackCard(c, cfg, &props)
	}
	hashes := []cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: a.Digest.Hex}}
	c.Hashes = &hashes
	c.PackageURL = a.PURL()
	*c.Properties = append(*c.Properties, props...)
}

// modelPackCard fills c from a ModelPack config: name, version, authors,
// licenses, description and architecture where c has none; the format,
// parameter size, precision and quantization as properties.
func modelPackCard(c *cdx.Component, cfg *oci.ModelConfig, props *propList) {
	d := cfg.Descriptor
	if d.Name != "" {
		c.Name = d.Name
	}
	if c.Version == "" {
		c.Version = d.Version
	}
	if c.Description == "" {
		c.Description = d.Description
	}
	if (c.Authors == nil || len(*c.Authors) == 0) && len(d.Authors) > 0 {
		authors := make([]cdx.OrganizationalContact, len(d.Authors))
		for i, a := range d.Authors {
			authors[i] = cdx.OrganizationalContact{Name: a}
		}
		c.Authors = &authors
	}
	if c.Licenses == nil || len(*c.Licenses) == 0 {
		var lic cdx.Licenses
		for _, l := range d.Licenses {
			lic = append(lic, licenseChoices(l)...)
		}
		if len(lic) > 0 {
			c.Licenses = &lic
		}
	}
	arch := cfg.Config
	if arch.Architecture != "" || d.Family != "" {
		if c.ModelCard == nil {
			c.ModelCard = &cdx.MLModelCard{}
		}
		if c.ModelCard.ModelParameters == nil {
			c.ModelCard.ModelParameters = &cdx.MLModelParameters{}
		}
		mp := c.ModelCard.ModelParameters
		if mp.ModelArchitecture == "" {
			mp.ModelArchitecture = arch.Architecture
		}
		if mp.ArchitectureFamily == "" {
			mp.ArchitectureFamily = d.Family
		}
	}
	props.add(propModelPackPref+"architecture", arch.Architecture)
	props.add(propModelPackPref+"format", arch.Format)
	props.add(propModelPackPref+"param_size", arch.ParamSize)
	props.add(propModelPackPref+"precision", arch.Precision)
	props.add(propModelPackPref+"quantization", arch.Quantization)
	props.add(propModelPackPref+"vendor", d.Vendor)
	props.add(propModelPackPref+"revision", d.Revision)
	props.add(propModelPackPref+"source_url", d.SourceURL)
}

// layerProps records where a file of an OCI artifact lies: its layer's
// digest and media type.
func layerProps(e source.Entry) []cdx.Property {
	oe, ok := e.(source.OCIEntry)
	if !ok {
		return nil
	}
	return []cdx.Property{
		{Name: propOCILayer, Value: oe.LayerDigest()},
		{Name: propOCIMediaType, Value: oe.MediaType()},
	}
}
