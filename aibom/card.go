package aibom

import (
	"context"
	"fmt"
	"io"
	"path"
	"sort"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/dataset"
	"github.com/seed-43c89ce6/aibom/aibom/kitfile"
	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// repoMeta is what a model repository says about itself: the Hugging Face
// card, config.json, generation_config.json and adapter_config.json at its
// root.
type repoMeta struct {
	card    *modelcard.Card
	config  *modelcard.Config
	gen     *modelcard.GenerationConfig
	adapter *modelcard.Adapter
	kit     *kitfile.Kitfile
	// licenses are the folder's license files (LICENSE, LICENSE.txt, ...).
	licenses []*modelcard.LicenseFile
}

// maxLicenseFiles bounds the license files read per folder.
const maxLicenseFiles = 8

// readRepoMeta parses the metadata files at the source's root: the card,
// the configs, the license files and the Kitfile. A file that
// cannot be parsed is a problem; what could be read of it is kept.
func readRepoMeta(src *listing) (repoMeta, []source.Problem) {
	return readMeta(src, ".")
}

// readMeta parses the metadata files in dir ("." for the root); the
// Kitfile is read at the root only.
func readMeta(src *listing, dir string) (repoMeta, []source.Problem) {
	var m repoMeta
	var problems []source.Problem
	open := func(name string, parse func(io.Reader, string) error) {
		if dir != "." {
			name = dir + "/" + name
		}
		for _, f := range src.Files {
			if f.Path != name {
				continue
			}
			fh, err := f.Entry.Open(context.Background())
			if err == nil {
				err = parse(fh, f.Path)
				fh.Close()
			}
			if err != nil {
				problems = append(problems, source.Problem{Path: f.Path, Err: err})
			}
		}
	}
	open("README.md", func(r io.Reader, name string) (err error) { m.card, err = modelcard.ParseCard(r, name); return })
	open("config.json", func(r io.Reader, name string) (err error) { m.config, err = modelcard.ParseConfig(r, name); return })
	open("generation_config.json", func(r io.Reader, name string) (err error) {
		m.gen, err = modelcard.ParseGenerationConfig(r, name)
		return
	})
	open("adapter_config.json", func(r io.Reader, name string) (err error) { m.adapter, err = modelcard.ParseAdapter(r, name); return })
	for _, f := range src.Files {
		if path.Dir(f.Path) == dir && modelcard.IsLicenseFile(f.Path) && len(m.licenses) < maxLicenseFiles {
			open(path.Base(f.Path), func(r io.Reader, name string) error {
				lf, err := modelcard.ParseLicenseFile(r, name)
				if lf != nil {
					m.licenses = append(m.licenses, lf)
				}
				return err
			})
		}
	}
	for _, n := range kitfile.Names {
		if m.kit == nil && dir == "." {
			open(n, func(r io.Reader, name string) (err error) { m.kit, err = kitfile.Parse(r, name); return })
		}
	}
	return m, problems
}

// describeModel fills the model component from the repository metadata and
// the weight headers: model card, licenses, properties, lineage.
func describeModel(c *cdx.Component, m repoMeta, infos []*weightInfo) {
	if m.card != nil || m.config != nil {
		c.ModelCard = m.card.ModelCard(m.config)
	}
	if lic := m.card.LicensesWith(m.licenses); len(lic) > 0 {
		c.Licenses = &lic
	}
	*c.Properties = append(*c.Properties, modelcard.Properties(m.card, m.config, m.gen)...)
	if m.adapter != nil {
		*c.Properties = append(*c.Properties, m.adapter.Properties()...)
	}
	describeKit(c, m.kit)
	var ggufBase []string
	for _, wi := range infos {
		if wi != nil {
			ggufBase = append(ggufBase, wi.baseModels...)
		}
	}
	var ancestors []cdx.Component
	for _, a := range modelcard.Lineage(m.card, m.adapter, ggufBase) {
		anc := cdx.Component{
			Type: cdx.ComponentTypeMachineLearningModel, Name: a.Name, BOMRef: refAncestor + a.Name,
			PackageURL: modelcard.PackageURL(a.Name, ""),
			Properties: &[]cdx.Property{
				{Name: propLineageRelation, Value: string(a.Relation)},
				{Name: propLineageSource, Value: a.Source},
			},
		}
		ancestors = append(ancestors, anc)
	}
	if len(ancestors) > 0 {
		c.Pedigree = &cdx.Pedigree{Ancestors: &ancestors}
	}
}

// namedDatasets returns a data component for each dataset the card or the
// GGUF headers name, keyed by bom-ref, linked to the Hub when named by a
// Hub id.
func namedDatasets(infos []*weightInfo, metas ...repoMeta) []cdx.Component {
	seen := map[string]bool{}
	var names []string
	for _, m := range metas {
		if m.card != nil {
			names = append(names, m.card.DatasetNames()...)
		}
	}
	for _, wi := range infos {
		if wi != nil {
			names = append(names, wi.datasets...)
		}
	}
	var out []cdx.Component
	for _, n := range names {
		ref := modelcard.DatasetRef(n)
		if n == "" || seen[ref] {
			continue
		}
		seen[ref] = true
		out = append(out, modelcard.DatasetComponent(n))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].BOMRef < out[j].BOMRef })
	return out
}

// localSets are the dataset folders found inside a source.
type localSets struct {
	comps []cdx.Component
	// files maps a dataset's bom-ref to its files' bom-refs.
	files map[string][]string
	// props holds the per-file dataset properties (rows, columns), by path.
	props map[string][]cdx.Property
}

// localDatasets finds the dataset folders inside the source: their
// components, files, per-file properties and problems.
func localDatasets(ctx context.Context, src *listing, kit *kitfile.Kitfile) (localSets, []source.Problem) {
	ls := localSets{files: map[string][]string{}, props: map[string][]cdx.Property{}}
	var problems []source.Problem
	var declared []dataset.Declared
	if kit != nil {
		for _, d := range kit.Datasets {
			if d.Path != "" {
				declared = append(declared, dataset.Declared{Path: d.Path, Name: d.Name})
			}
		}
	}
	for _, d := range dataset.Detect(ctx, src.Files, dataset.WithRootName(src.Name), dataset.WithDeclared(declared)) {
		ls.comps = append(ls.comps, d.Component())
		if d.CardErr != nil {
			problems = append(problems, source.Problem{Path: d.Path + "/README.md", Err: fmt.Errorf("dataset card: %w", d.CardErr)})
		}
		for _, f := range d.Files {
			ls.files[d.BOMRef()] = append(ls.files[d.BOMRef()], fileRef(f.Path))
			ls.props[f.Path] = f.Properties()
			if f.Err != nil {
				problems = append(problems, source.Problem{Path: f.Path, Err: f.Err})
			}
		}
	}
	return ls, problems
}
