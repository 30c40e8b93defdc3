package oci

import (
	"encoding/json"
	"fmt"
)

// ParseModelConfig decodes a ModelPack config blob.
func ParseModelConfig(b []byte) (*ModelConfig, error) {
	var c ModelConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("oci: ModelPack config: %w", err)
	}
	return &c, nil
}

// ParseKitfile decodes a KitOps config blob (the Kitfile as JSON).
func ParseKitfile(b []byte) (*Kitfile, error) {
	var k Kitfile
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("oci: Kitfile: %w", err)
	}
	return &k, nil
}

// ModelConfig decodes the artifact's config when it is a ModelPack
// artifact; nil otherwise.
func (a *Artifact) ModelConfig() (*ModelConfig, error) {
	if a.Kind != ModelPack || a.Config == nil {
		return nil, nil
	}
	return ParseModelConfig(a.Config)
}

// Kitfile decodes the artifact's config when it is a KitOps ModelKit; nil
// otherwise.
func (a *Artifact) Kitfile() (*Kitfile, error) {
	if a.Kind != KitOps || a.Config == nil {
		return nil, nil
	}
	return ParseKitfile(a.Config)
}
