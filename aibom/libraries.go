package aibom

import (
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

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
