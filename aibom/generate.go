// Package aibom generates CycloneDX AI-BOMs: the model, every file it is
// made of with its size and SHA-256, and what `aibom scan` finds in each
// file, in one pass over the bytes.
package aibom

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
)

// ToolName and ToolVersion identify aibom in metadata.tools.
const ToolName = "aibom"

// Option configures Generate.
type Option func(*options)

type options struct {
	now     time.Time
	serial  string
	version string
	runner  *runner.Runner
	tensors bool
	// modelSig verifies a model.sig (modelsig.go); nil records it unverified.
	modelSig *modelSigOptions
}

// WithTime sets metadata.timestamp (for reproducible output, e.g. from
// SOURCE_DATE_EPOCH). The default is the current time.
func WithTime(t time.Time) Option { return func(o *options) { o.now = t } }

// WithSerialNumber sets the BOM's serial number ("urn:uuid:...").
func WithSerialNumber(s string) Option { return func(o *options) { o.serial = s } }

// WithToolVersion sets aibom's version in metadata.tools.
func WithToolVersion(v string) Option { return func(o *options) { o.version = v } }

// WithRunner sets the scanner runner: its scanners and policy, how many
// files are processed at once and the progress callback.
func WithRunner(r *runner.Runner) Option { return func(o *options) { o.runner = r } }

// WithTensors adds each weight file's tensor inventory (name, dtype and
// shape) to its component's properties. Totals are always recorded.
func WithTensors() Option { return func(o *options) { o.tensors = true } }

// Result is a generated BOM and what could not be included in it.
type Result struct {
	BOM *cdx.BOM
	// Problems lists files and metadata that could not be read: the BOM
	// describes the rest.
	Problems []source.Problem
	// Files holds each file's scan result, in the BOM's order.
	Files []scanners.FileResult
}

// listing is what the walk of a source gave: its description, its files
// (sorted by path) and the paths it could not read.
type listing struct {
	source.Info
	Files    []source.File
	Problems []source.Problem
	// art is the OCI artifact the source reads, modelPack its ModelPack
	// config; nil for local sources.
	art       *oci.Artifact
	modelPack *oci.ModelConfig
	// shadowed are the files of a container image that a later layer
	// replaces or deletes (not in Files).
	shadowed []fileEntry
}

// Generate describes the model in src. Its files are walked once, by the
// runner, which hashes and scans each.
func Generate(ctx context.Context, src source.Source, opts ...Option) (*Result, error) {
	o := options{now: time.Now().UTC(), version: "dev"}
	for _, opt := range opts {
		opt(&o)
	}
	if o.runner == nil {
		o.runner = runner.New()
	}
	lst, files, err := scanAll(ctx, src, &o)
	if err != nil {
		return nil, err
	}
	return build(ctx, lst, files, &o), nil
}

// fileEntry is one file of the source as the stages of Generate see it:
// where it comes from, what the scan found, and what its header and the
// other stages say about it (nil when nothing). Stages take a []fileEntry
// and return a new one; they never change the one they were given.
type fileEntry struct {
	src  source.File
	scan scanners.FileResult
	info *weightInfo
}

// scanResults returns the scan results of files, in order.
func scanResults(files []fileEntry) []scanners.FileResult {
	out := make([]scanners.FileResult, len(files))
	for i, f := range files {
		out[i] = f.scan
	}
	return out
}

// describeFiles returns files with each valid file's header metadata.
func describeFiles(in []fileEntry) []fileEntry {
	files := append([]fileEntry(nil), in...)
	for i, f := range files {
		if f.scan.Verdict != scanners.Invalid {
			files[i].info = describe(f.scan)
		}
	}
	return files
}

func build(ctx context.Context, src *listing, files []fileEntry, o *options) *Result {
	res := &Result{Files: scanResults(append(append([]fileEntry(nil), files...), src.shadowed...)),
		Problems: append([]source.Problem(nil), src.Problems...)}
	res.Problems = append(res.Problems, pointerProblems(files)...)
	files = describeFiles(files)
	files, problems := linkShards(ctx, files)
	res.Problems = append(res.Problems, problems...)
	meta, problems := readRepoMeta(src)
	res.Problems = append(res.Problems, problems...)
	meta.kit, problems = artifactKitfile(src.art, meta.kit)
	res.Problems = append(res.Problems, problems...)
	src.modelPack, problems = artifactConfig(src.art)
	res.Problems = append(res.Problems, problems...)
	x, problems := readExtras(ctx, src, ".")
	res.Problems = append(res.Problems, problems...)
	subs, problems := readSubModels(ctx, src, scanResults(files), x.pipeline)
	res.Problems = append(res.Problems, problems...)
	sets, problems := localDatasets(ctx, src, meta.kit)
	res.Problems = append(res.Problems, problems...)
	kitDatasets(meta.kit, src, &sets)
	libs, problems := findLibraries(ctx, src)
	res.Problems = append(res.Problems, problems...)
	var remote []source.Problem
	res.BOM, remote = assemble(src, files, models{meta: meta, x: x, subs: subs}, sets, libs, o)
	res.Problems = append(res.Problems, remote...)
	res.BOM.Compositions = compositions(res.BOM, files, res.Problems)
	recordModelSignature(ctx, src, res, o)
	return res
}

// scanAll walks src once: the runner hashes and scans every file on its
// workers. The files come back sorted by path, each with its result.
func scanAll(ctx context.Context, src source.Source, o *options) (*listing, []fileEntry, error) {
	items, err := o.runner.ScanSource(ctx, src)
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Entry.Path() < items[j].Entry.Path() })
	lst := &listing{Info: src.Info(), art: artifactOf(src)}
	var files []fileEntry
	for _, it := range items {
		if it.Problem != nil {
			lst.Problems = append(lst.Problems, source.Problem{Path: it.Entry.Path(), Err: it.Problem})
			continue
		}
		sf := source.File{Path: it.Entry.Path(), Size: it.Entry.Size(), Entry: it.Entry}
		if shadowed(it.Entry) {
			lst.shadowed = append(lst.shadowed, fileEntry{src: sf, scan: it.Result})
			continue
		}
		lst.Files = append(lst.Files, sf)
		files = append(files, fileEntry{src: sf, scan: it.Result})
	}
	return lst, files, nil
}

// fileDependencies is a dependency entry per file: what it ties together
// (an index's shards), if anything.
func fileDependencies(files []fileEntry) []cdx.Dependency {
	deps := make([]cdx.Dependency, 0, len(files))
	for _, f := range files {
		d := cdx.Dependency{Ref: fileRef(f.src.Path)}
		if wi := f.info; wi != nil && len(wi.dependsOn) > 0 {
			d.Dependencies = &wi.dependsOn
		}
		deps = append(deps, d)
	}
	return deps
}

// partition assigns each file (by index) to the model folder holding it:
// the innermost sub-model's, or "." for the root model.
func partition(files []fileEntry, subs []*subModel) map[string][]int {
	dirs := make([]string, len(subs))
	for i, sm := range subs {
		dirs[i] = sm.dir
	}
	owned := map[string][]int{}
	for i, f := range files {
		d := owner(dirs, f.src.Path)
		owned[d] = append(owned[d], i)
	}
	return owned
}

// fileComponents makes a component per file, with its header metadata,
// dataset and Kitfile properties, and the vulnerabilities of its findings.
func fileComponents(files []fileEntry, meta repoMeta, sets localSets, extra map[string][]cdx.Property, o *options) ([]cdx.Component, []cdx.Vulnerability) {
	var comps []cdx.Component
	var vulns []cdx.Vulnerability
	for _, fe := range files {
		f := fe.scan
		c := fileComponent(f)
		if wi := fe.info; wi != nil {
			*c.Properties = append(*c.Properties, wi.props...)
			if o.tensors {
				for _, t := range wi.tensors {
					*c.Properties = append(*c.Properties, cdx.Property{Name: propTensorPrefix + t[0], Value: t[1]})
				}
			}
		}
		*c.Properties = append(*c.Properties, sets.props[f.Path]...)
		*c.Properties = append(*c.Properties, kitLayers(meta.kit, f.Path)...)
		*c.Properties = append(*c.Properties, layerProps(fe.src.Entry)...)
		*c.Properties = append(*c.Properties, extra[f.Path]...)
		comps = append(comps, c)
		vulns = append(vulns, vulnerabilities(f, c.BOMRef)...)
	}
	return comps, vulns
}

func modelComponent(src *listing) cdx.Component {
	c := cdx.Component{
		Type:   cdx.ComponentTypeMachineLearningModel,
		Name:   src.Name,
		BOMRef: refModel + src.Name,
		Properties: &[]cdx.Property{
			{Name: propSourceKind, Value: string(src.Kind)},
		},
	}
	if src.Kind == source.HuggingFaceCache {
		c.Version = src.Revision
		c.PackageURL = modelcard.PackageURL(src.Name, src.Revision)
		c.Group, c.Name, _ = strings.Cut(src.Name, "/")
		if c.Name == "" {
			c.Group, c.Name = "", src.Name
		}
	}
	return c
}

// fileComponent describes one file: its name, size, digest, role, format
// and scan verdict.
func fileComponent(f scanners.FileResult) cdx.Component {
	c := cdx.Component{
		Type:   cdx.ComponentTypeFile,
		Name:   f.Path,
		BOMRef: fileRef(f.Path),
		Properties: &[]cdx.Property{
			{Name: propFileRole, Value: fileRole(f)},
			{Name: propFileSize, Value: fmt.Sprint(f.Size)},
			{Name: propFileFormat, Value: f.Format},
			{Name: propScanVerdict, Value: f.Verdict.String()},
		},
	}
	if f.SHA256 != "" {
		c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: f.SHA256}}
	}
	describePointer(&c, f)
	return c
}

// Role classifies a model file by the kind of its format (declared in the
// scanner registry) and by its name: weights, container, tokenizer,
// chat-template, config, license, card, code, dataset or other.
func Role(p, format string) string {
	base := strings.ToLower(path.Base(p))
	kind := runner.KindOf(format)
	json := strings.HasSuffix(base, ".json")
	switch {
	case kind == scanners.Template && !json,
		strings.HasSuffix(base, ".jinja") || strings.Contains(base, "chat_template"):
		return "chat-template"
	case kind == scanners.Weights && !json:
		return "weights"
	case kind == scanners.Container && !json:
		return "container"
	case strings.HasPrefix(base, "tokenizer") || base == "vocab.txt" || base == "vocab.json" ||
		base == "merges.txt" || base == "special_tokens_map.json" || strings.HasSuffix(base, ".tiktoken"):
		return "tokenizer"
	case base == "config.json" || base == "generation_config.json" || base == "adapter_config.json" ||
		strings.HasSuffix(base, "config.json") || base == "model.safetensors.index.json" || strings.HasSuffix(base, ".index.json") ||
		base == "model_index.json" || base == "modules.json" || base == "trainer_state.json" || base == "modelfile":
		return "config"
	case modelcard.IsLicenseFile(p):
		return "license"
	case base == "readme.md" || base == "model_card.md":
		return "card"
	case strings.HasSuffix(base, ".py"):
		return "code"
	case strings.HasSuffix(base, ".parquet") || strings.HasSuffix(base, ".arrow") || strings.HasSuffix(base, ".csv") ||
		strings.HasSuffix(base, ".jsonl"):
		return "dataset"
	}
	return "other"
}

// vulnerabilities turns the findings of one file (low severity and up)
// and its parse errors into CycloneDX vulnerabilities affecting the file.
func vulnerabilities(f scanners.FileResult, ref string) []cdx.Vulnerability {
	var out []cdx.Vulnerability
	for i, fd := range f.Findings {
		if fd.Severity < scanners.Low {
			continue
		}
		props := []cdx.Property{{Name: propOffset, Value: fmt.Sprint(fd.Offset)}}
		for _, kv := range [][2]string{{propGlobal, fd.Global}, {propATLAS, fd.ATLAS}, {propMember, fd.Member}} {
			if kv[1] != "" {
				props = append(props, cdx.Property{Name: kv[0], Value: kv[1]})
			}
		}
		v := cdx.Vulnerability{
			BOMRef:      fmt.Sprintf("finding:%s:%d", f.Path, i),
			ID:          fd.Rule,
			Source:      &cdx.Source{Name: ToolName},
			Ratings:     &[]cdx.VulnerabilityRating{{Severity: severity(fd.Severity), Method: cdx.ScoringMethodOther}},
			Description: fd.Message,
			Affects:     &[]cdx.Affects{{Ref: ref}},
			Properties:  &props,
		}
		if strings.HasPrefix(fd.Rule, "PICKLE-") {
			v.CWEs = &[]int{502} // deserialization of untrusted data
		}
		out = append(out, v)
	}
	for i, e := range f.Errors {
		out = append(out, cdx.Vulnerability{
			BOMRef: fmt.Sprintf("invalid:%s:%d", f.Path, i), ID: "AIBOM-INVALID",
			Source:      &cdx.Source{Name: ToolName},
			Ratings:     &[]cdx.VulnerabilityRating{{Severity: cdx.SeverityHigh, Method: cdx.ScoringMethodOther}},
			Description: "the file cannot be parsed, so it cannot be shown to be safe: " + e.Error(),
			Affects:     &[]cdx.Affects{{Ref: ref}},
		})
	}
	return out
}

func severity(s scanners.Severity) cdx.Severity {
	switch s {
	case scanners.Critical:
		return cdx.SeverityCritical
	case scanners.High:
		return cdx.SeverityHigh
	case scanners.Medium:
		return cdx.SeverityMedium
	case scanners.Low:
		return cdx.SeverityLow
	default:
		return cdx.SeverityInfo
	}
}
