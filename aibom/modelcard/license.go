package modelcard

import (
	"net/url"
	"path"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// spdxIDs maps Hugging Face license ids (https://huggingface.co/docs/hub/repositories-licenses)
// to SPDX license ids. Ids with no SPDX equivalent (llama2, llama3, gemma,
// openrail, creativeml-openrail-m, ...) are absent: they become named
// licenses. A test checks every value against the SPDX list of the
// CycloneDX schema.
var spdxIDs = map[string]string{
	"apache-2.0": "Apache-2.0", "mit": "MIT", "afl-3.0": "AFL-3.0", "artistic-2.0": "Artistic-2.0",
	"bsl-1.0": "BSL-1.0", "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause",
	"bsd-3-clause-clear": "BSD-3-Clause-Clear", "c-uda": "C-UDA-1.0", "cc0-1.0": "CC0-1.0",
	"cc-by-2.0": "CC-BY-2.0", "cc-by-2.5": "CC-BY-2.5", "cc-by-3.0": "CC-BY-3.0", "cc-by-4.0": "CC-BY-4.0",
	"cc-by-sa-3.0": "CC-BY-SA-3.0", "cc-by-sa-4.0": "CC-BY-SA-4.0",
	"cc-by-nc-2.0": "CC-BY-NC-2.0", "cc-by-nc-3.0": "CC-BY-NC-3.0", "cc-by-nc-4.0": "CC-BY-NC-4.0",
	"cc-by-nd-4.0": "CC-BY-ND-4.0", "cc-by-nc-nd-3.0": "CC-BY-NC-ND-3.0", "cc-by-nc-nd-4.0": "CC-BY-NC-ND-4.0",
	"cc-by-nc-sa-2.0": "CC-BY-NC-SA-2.0", "cc-by-nc-sa-3.0": "CC-BY-NC-SA-3.0", "cc-by-nc-sa-4.0": "CC-BY-NC-SA-4.0",
	"cdla-sharing-1.0": "CDLA-Sharing-1.0", "cdla-permissive-1.0": "CDLA-Permissive-1.0",
	"cdla-permissive-2.0": "CDLA-Permissive-2.0", "wtfpl": "WTFPL", "ecl-2.0": "ECL-2.0",
	"epl-1.0": "EPL-1.0", "epl-2.0": "EPL-2.0", "eupl-1.1": "EUPL-1.1", "eupl-1.2": "EUPL-1.2",
	"agpl-3.0": "AGPL-3.0-only", "gpl-2.0": "GPL-2.0-only", "gpl-3.0": "GPL-3.0-only",
	"lgpl-2.1": "LGPL-2.1-only", "lgpl-3.0": "LGPL-3.0-only", "isc": "ISC",
	"lppl-1.3c": "LPPL-1.3c", "ms-pl": "MS-PL", "mpl-2.0": "MPL-2.0", "odc-by": "ODC-By-1.0",
	"odbl": "ODbL-1.0", "osl-3.0": "OSL-3.0", "postgresql": "PostgreSQL",
	"ofl-1.1": "OFL-1.1", "ncsa": "NCSA", "unlicense": "Unlicense", "zlib": "Zlib", "pddl": "PDDL-1.0",
}

// Licenses maps the card's license to CycloneDX licenses: an SPDX id when
// one exists (apache-2.0 → Apache-2.0, cc-by-4.0 → CC-BY-4.0); otherwise a
// named license, named by the Hugging Face id (llama3, gemma, openrail, ...)
// or, for "other", by license_name. license_link becomes the URL of every
// license when it is an absolute http(s) URL (a link to a file in the
// repository is recorded by Properties instead). "unknown" gives nothing.
func (c *Card) Licenses() cdx.Licenses {
	if c == nil {
		return nil
	}
	link := ""
	if u, err := url.Parse(c.LicenseLink); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		link = c.LicenseLink
	}
	var out cdx.Licenses
	seen := map[string]bool{}
	for _, id := range c.License {
		key := strings.ToLower(strings.TrimSpace(id))
		lic := &cdx.License{URL: link}
		switch {
		case key == "" || key == "unknown":
			continue
		case spdxIDs[key] != "":
			lic.ID = spdxIDs[key]
		case key == "other" && c.LicenseName != "":
			lic.Name = c.LicenseName
		default:
			lic.Name = key
		}
		if seen[lic.ID+"\x00"+lic.Name] {
			continue
		}
		seen[lic.ID+"\x00"+lic.Name] = true
		out = append(out, cdx.LicenseChoice{License: lic})
	}
	return out
}

// LicensesWith maps the card's licenses (see Licenses) together with the
// repository's license files. A file is matched to a card license: the one
// with the SPDX id its text is; else, when the file's text is no SPDX
// license, the card's license whose license_link names the file, or the
// card's only named license ("other", llama3, a license_name). A matched
// named license gets the file's text (and, for "other", the file's title
// as its name). A file that matches nothing is a license of its own: its
// SPDX id, or a named license (its title, else the file's path) with its
// text. c may be nil; every license from a file carries PropLicenseFile.
func (c *Card) LicensesWith(files []*LicenseFile) cdx.Licenses {
	out := c.Licenses()
	for _, f := range files {
		if f == nil {
			continue
		}
		if lic := c.matchFile(out, f); lic != nil {
			attachFile(lic, f)
			continue
		}
		lic := &cdx.License{ID: f.SPDXID}
		if lic.ID == "" {
			lic.Name = firstNonEmpty(f.Title, "license in "+f.Path)
		}
		attachFile(lic, f)
		out = append(out, cdx.LicenseChoice{License: lic})
	}
	return out
}

func (c *Card) matchFile(lics cdx.Licenses, f *LicenseFile) *cdx.License {
	var named []*cdx.License
	for _, l := range lics {
		switch {
		case l.License == nil:
		case f.SPDXID != "" && l.License.ID == f.SPDXID,
			l.License.Text != nil && f.Text != "" && l.License.Text.Content == f.attached().Content: // the same text twice
			return l.License
		case l.License.ID == "" && l.License.Text == nil:
			named = append(named, l.License)
		}
	}
	if f.SPDXID != "" || len(named) == 0 {
		return nil
	}
	// license_link is relative to the card's folder; f.Path to the repository.
	if link := path.Clean(c.licenseLinkPath()); link != "." && (link == f.Path || link == path.Base(f.Path)) {
		return named[0]
	}
	if len(named) == 1 {
		return named[0]
	}
	return nil
}

// attachFile records the file on a license: its path, and its text when
// the license is named (an SPDX id needs none).
func attachFile(lic *cdx.License, f *LicenseFile) {
	props := []cdx.Property{{Name: PropLicenseFile, Value: f.Path}}
	if lic.ID == "" {
		if strings.EqualFold(lic.Name, "other") && f.Title != "" {
			lic.Name = f.Title
		}
		if f.TextOmitted {
			props = append(props, cdx.Property{Name: PropLicenseTextOmitted,
				Value: "the file is larger than the bound of the text kept, or not a text file"})
		} else {
			lic.Text = f.attached()
		}
	}
	if lic.Properties != nil {
		props = append(*lic.Properties, props...)
	}
	lic.Properties = &props
}

// licenseLinkPath returns license_link when it is a relative path, "" when
// it is absent or a URL.
func (c *Card) licenseLinkPath() string {
	if c == nil || c.LicenseLink == "" || strings.Contains(c.LicenseLink, "://") {
		return ""
	}
	return strings.TrimPrefix(c.LicenseLink, "./")
}
