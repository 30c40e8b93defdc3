package oci

import "time"

// ModelConfig is the ModelPack config blob (ModelPackConfig).
type ModelConfig struct {
	Descriptor ModelDescriptor `json:"descriptor"`
	ModelFS    ModelFS         `json:"modelfs"`
	Config     ModelArch       `json:"config"`
}

// ModelDescriptor says what the model is and who made it.
type ModelDescriptor struct {
	CreatedAt   *time.Time `json:"createdAt,omitempty"`
	Authors     []string   `json:"authors,omitempty"`
	Vendor      string     `json:"vendor,omitempty"`
	Family      string     `json:"family,omitempty"`
	Name        string     `json:"name,omitempty"`
	DocURL      string     `json:"docURL,omitempty"`
	SourceURL   string     `json:"sourceURL,omitempty"`
	DatasetsURL []string   `json:"datasetsURL,omitempty"`
	Version     string     `json:"version,omitempty"`
	Revision    string     `json:"revision,omitempty"`
	Licenses    []string   `json:"licenses,omitempty"`
	Title       string     `json:"title,omitempty"`
	Description string     `json:"description,omitempty"`
}

// ModelFS lists the layers' uncompressed digests, in manifest order.
type ModelFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diffIds"`
}

// ModelArch describes the model's weights.
type ModelArch struct {
	Architecture string `json:"architecture,omitempty"`
	Format       string `json:"format,omitempty"`
	ParamSize    string `json:"paramSize,omitempty"`
	Precision    string `json:"precision,omitempty"`
	Quantization string `json:"quantization,omitempty"`
}

// Kitfile is the KitOps ModelKit config (the Kitfile as JSON), the parts
// aibom reads.
type Kitfile struct {
	ManifestVersion string `json:"manifestVersion,omitempty"`
	Package         struct {
		Name        string   `json:"name,omitempty"`
		Version     string   `json:"version,omitempty"`
		Description string   `json:"description,omitempty"`
		License     string   `json:"license,omitempty"`
		Authors     []string `json:"authors,omitempty"`
	} `json:"package"`
	Model *struct {
		Name      string `json:"name,omitempty"`
		Path      string `json:"path,omitempty"`
		Framework string `json:"framework,omitempty"`
		Version   string `json:"version,omitempty"`
		License   string `json:"license,omitempty"`
		Parts     []struct {
			Name string `json:"name,omitempty"`
			Path string `json:"path,omitempty"`
			Type string `json:"type,omitempty"`
		} `json:"parts,omitempty"`
	} `json:"model,omitempty"`
	Datasets []KitfilePath `json:"datasets,omitempty"`
	Code     []KitfilePath `json:"code,omitempty"`
	Docs     []KitfilePath `json:"docs,omitempty"`
}

// KitfilePath is a dataset, code or docs entry of a Kitfile.
type KitfilePath struct {
	Name        string `json:"name,omitempty"`
	Path        string `json:"path,omitempty"`
	Description string `json:"description,omitempty"`
	License     string `json:"license,omitempty"`
}
