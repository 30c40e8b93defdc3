package aibom

import (
	"context"
	"io"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/libraries"
	"github.com/seed-43c89ce6/aibom/aibom/modelcard"
	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// findLibraries runs the dependency catalogers over the source's files.
// They select dependency manifests by name and open only those.
func findLibraries(ctx context.Context, src *listing) ([]libraries.Library, []source.Problem) {
	files := make([]libraries.File, len(src.Files))
	for i, f := range src.Files {
		files[i] = libraries.File{Path: f.Path, Size: f.Size, Open: func() (io.ReadCloser, error) { return f.Entry.Open(ctx) }}
	}
	libs, probs := libraries.Find(ctx, files)
	out := make([]source.Problem, len(probs))
	for i, p := range probs {
		out[i] = source.Problem{Path: p.Path, Err: p.Err}
	}
	return libs, out
}

// rootLibraries are what the project asks for directly: the libraries a
// declaring manifest (requirements, pyproject.toml, environment.yml)
// names, and those no other library depends on.
func rootLibraries(found []libraries.Library) []string {
	dependedOn := map[string]bool{}
	for _, l := range found {
		for _, d := range l.DependsOn {
			dependedOn[d] = true
		}
	}
	var out []string
	for _, l := range found {
		if l.Declared() || !dependedOn[l.Ref()] {
			out = append(out, l.Ref())
		}
	}
	return out
}

// union appends the strings of b not already in a, keeping a's order.
func union(a, b []string) []string {
	seen := make(map[string]bool, len(a))
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			seen[s] = true
			a = append(a, s)
		}
	}
	return a
}

// libraryRef is a stable bom-ref for a library: its purl, else name@version.
func libraryRef(c cdx.Component) string {
	if c.PackageURL != "" {
		return "library:" + c.PackageURL
	}
	return "library:" + c.Name + "@" + c.Version
}

// wantedLib is a library a model's metadata names: its PyPI name, the
// version the metadata gives ("" when none) and the file that names it.
type wantedLib struct{ name, version, from string }

// wantedLibraries lists the libraries a model folder's metadata names:
// the card's library_name, the transformers, diffusers and peft versions
// of its configs, and the versions config_sentence_transformers.json
// records (its "pytorch" is torch).
func wantedLibraries(m repoMeta, x repoExtras) []wantedLib {
	var out []wantedLib
	add := func(name, version, from string) {
		name = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-")
		if name == "" {
			return
		}
		for i, w := range out {
			if w.name == name {
				if w.version == "" {
					out[i].version, out[i].from = version, from
				}
				return
			}
		}
		out = append(out, wantedLib{name, version, from})
	}
	if m.config != nil && m.config.TransformersVersion != "" {
		add("transformers", m.config.TransformersVersion, "config.json")
	}
	for _, w := range configLibraries(x) {
		add(w.name, w.version, w.from)
	}
	if x.pipeline != nil {
		add("diffusers", x.pipeline.DiffusersVersion, "model_index.json")
		for _, c := range x.pipeline.Components {
			if c.Library == "transformers" || c.Library == "diffusers" {
				add(c.Library, "", "model_index.json")
			}
		}
	}
	if m.adapter != nil {
		add("peft", "", "adapter_config.json")
	}
	for _, k := range sortedKeys(x.stVersions) {
		name := k
		if k == "pytorch" {
			name = "torch"
		}
		add(name, x.stVersions[k], "config_sentence_transformers.json")
	}
	if m.card != nil && m.card.LibraryName != "" {
		add(m.card.LibraryName, "", "README.md library_name")
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// configLibraries are the diffusers and peft versions of a folder's
// configs.
func configLibraries(x repoExtras) []wantedLib {
	var out []wantedLib
	for _, rc := range []struct {
		cfg  *modelcard.RepoConfig
		from string
	}{{x.config, "config.json"}, {x.classConfig, "scheduler_config.json"}, {x.adapter, "adapter_config.json"}} {
		if rc.cfg == nil {
			continue
		}
		if rc.cfg.DiffusersVersion != "" {
			out = append(out, wantedLib{"diffusers", rc.cfg.DiffusersVersion, rc.from})
		}
		if rc.cfg.PeftVersion != "" {
			out = append(out, wantedLib{"peft", rc.cfg.PeftVersion, rc.from})
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// neededLibraries returns the refs of the libraries a model's metadata
// names. A library found by the catalogers (same name, and the same
// version when the metadata gives one) is reused; others are added, one
// component per name and version, with the file that named it.
func neededLibraries(want []wantedLib, found []cdx.Component) (refs []string, extra []cdx.Component) {
	for _, w := range want {
		ref := ""
		for _, c := range found {
			if strings.EqualFold(strings.ReplaceAll(c.Name, "_", "-"), w.name) && (w.version == "" || c.Version == w.version) {
				ref = c.BOMRef
				break
			}
		}
		if ref == "" {
			c := cdx.Component{Type: cdx.ComponentTypeLibrary, Name: w.name, Version: w.version,
				PackageURL: pypiPURL(w.name, w.version)}
			c.BOMRef = libraryRef(c)
			c.Properties = &[]cdx.Property{{Name: "aibom:library:source", Value: "model metadata"},
				{Name: "aibom:library:named_by", Value: w.from}}
			extra = append(extra, c)
			found = append(found, c)
			ref = c.BOMRef
		}
		refs = union(refs, []string{ref})
	}
	return refs, extra
}

func pypiPURL(name, version string) string {
	p := "pkg:pypi/" + strings.ReplaceAll(strings.ToLower(name), "_", "-")
	if version != "" {
		p += "@" + version
	}
	return p
}

// libSet is the libraries of a BOM: those the catalogers found and those
// only model metadata names, added as models ask for them.
type libSet struct {
	found []libraries.Library
	comps []cdx.Component // of found, in order
	extra []cdx.Component
}

func newLibSet(found []libraries.Library) *libSet {
	ls := &libSet{found: found}
	for _, l := range found {
		ls.comps = append(ls.comps, l.Component())
	}
	return ls
}

// needs returns the refs of the libraries m's metadata names, adding those
// not found.
func (ls *libSet) needs(m repoMeta, x repoExtras) []string {
	refs, extra := neededLibraries(wantedLibraries(m, x), append(append([]cdx.Component{}, ls.comps...), ls.extra...))
	ls.extra = append(ls.extra, extra...)
	return refs
}

// parts returns the library components and their dependency entries.
func (ls *libSet) parts() ([]cdx.Component, []cdx.Dependency) {
	comps := append(append([]cdx.Component{}, ls.comps...), ls.extra...)
	var deps []cdx.Dependency
	for _, l := range ls.found {
		on := append([]string{}, l.DependsOn...)
		deps = append(deps, cdx.Dependency{Ref: l.Ref(), Dependencies: &on})
	}
	for _, l := range ls.extra {
		deps = append(deps, cdx.Dependency{Ref: l.BOMRef})
	}
	return comps, deps
}
