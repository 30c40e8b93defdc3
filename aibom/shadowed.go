package aibom

import (
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// propOCIShadowed marks a file of a container image that a later layer
// replaces or deletes: its bytes are in the image, but it is not in the
// running file system, so it is not part of the model.
const propOCIShadowed = "aibom:oci:shadowed"

// shadowed reports whether e is such a file.
func shadowed(e source.Entry) bool {
	s, ok := e.(interface{ Shadowed() bool })
	return ok && s.Shadowed()
}

// shadowedRef is the bom-ref of a shadowed file: its path and its layer,
// since the file that replaces it has the same path.
func shadowedRef(fe fileEntry) string {
	ref := fileRef(fe.src.Path)
	if oe, ok := fe.src.Entry.(source.OCIEntry); ok {
		ref += "@" + oe.LayerDigest()
	}
	return ref
}

// shadowedComponents describes the shadowed files: listed, with their
// scan results (a payload in a lower layer is still in the image), but
// neither part of the model nor counted in its weights.
func shadowedComponents(files []fileEntry) ([]cdx.Component, []cdx.Vulnerability, []cdx.Dependency) {
	var comps []cdx.Component
	var vulns []cdx.Vulnerability
	var deps []cdx.Dependency
	for _, fe := range files {
		c := fileComponent(fe.scan)
		ref := shadowedRef(fe)
		c.BOMRef = ref
		*c.Properties = append(*c.Properties, cdx.Property{Name: propOCIShadowed, Value: "true"})
		*c.Properties = append(*c.Properties, layerProps(fe.src.Entry)...)
		comps = append(comps, c)
		deps = append(deps, cdx.Dependency{Ref: ref})
		for _, v := range vulnerabilities(fe.scan, ref) {
			v.BOMRef = strings.Replace(v.BOMRef, ":"+fe.src.Path+":", ":"+strings.TrimPrefix(ref, refFile)+":", 1)
			vulns = append(vulns, v)
		}
	}
	return comps, vulns, deps
}
