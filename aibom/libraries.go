package aibom

import (
	"context"
	"io"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/libraries"
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

// neededLibraries are the libraries the model says it needs: the card's
// library_name and config.json's transformers_version. A library already
// in found (by name) is reused; others are added, with the version the
// metadata gives.
func neededLibraries(m repoMeta, found []cdx.Component) (refs []string, extra []cdx.Component) {
	want := map[string]string{} // name -> version
	if m.card != nil && m.card.LibraryName != "" {
		want[strings.ToLower(m.card.LibraryName)] = ""
	}
	if m.config != nil && m.config.TransformersVersion != "" {
		want["transformers"] = m.config.TransformersVersion
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		ref := ""
		for _, c := range found {
			if strings.EqualFold(c.Name, name) {
				ref = c.BOMRef
				break
			}
		}
		if ref == "" {
			c := cdx.Component{Type: cdx.ComponentTypeLibrary, Name: name, Version: want[name],
				PackageURL: pypiPURL(name, want[name])}
			c.BOMRef = libraryRef(c)
			c.Properties = &[]cdx.Property{{Name: "aibom:library:source", Value: "model metadata"}}
			extra = append(extra, c)
			ref = c.BOMRef
		}
		refs = append(refs, ref)
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
func (ls *libSet) needs(m repoMeta) []string {
	refs, extra := neededLibraries(m, append(append([]cdx.Component{}, ls.comps...), ls.extra...))
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
