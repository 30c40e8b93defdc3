package modelcard

import (
	"encoding/base64"
	"errors"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// MaxLicenseSize bounds the text of a license file kept in the BOM; a
// larger file is named, and its text left out (PropLicenseTextOmitted).
const MaxLicenseSize = 256 << 10

// Properties of a license that came from a license file.
const (
	PropLicenseFile        = "aibom:license:file"
	PropLicenseTextOmitted = "aibom:license:text_omitted"
)

// IsLicenseFile reports whether a path names a license file: LICENSE,
// LICENCE or COPYING, with or without an extension or a suffix
// (LICENSE.txt, LICENSE.md, LICENSE-MODEL, licence_agreement.txt).
func IsLicenseFile(p string) bool {
	base := strings.ToLower(path.Base(p))
	stem, _, _ := strings.Cut(base, ".")
	for _, n := range []string{"license", "licence", "copying"} {
		if stem == n || strings.HasPrefix(stem, n+"-") || strings.HasPrefix(stem, n+"_") {
			return true
		}
	}
	return false
}

// isTextLicense reports whether a license file's extension says it is text.
func isTextLicense(p string) bool {
	_, ext, _ := strings.Cut(strings.ToLower(path.Base(p)), ".")
	switch ext {
	case "", "txt", "md", "markdown", "rst":
		return true
	}
	return !strings.Contains(ext, ".") && strings.HasPrefix(ext, "txt")
}

// LicenseFile is a license file of a model repository.
type LicenseFile struct {
	Path string
	// Text is the file's text, "" when the file is larger than
	// MaxLicenseSize (TextOmitted).
	Text        string
	TextOmitted bool
	// SPDXID is the SPDX license the text is, when it is one recognised by
	// its text (Apache-2.0, MIT, BSD-2/3-Clause, the CC BY 4.0 family).
	SPDXID string
	// Title is the license's title, from its first line, when that names a
	// license or terms ("ACME MODEL LICENSE AGREEMENT").
	Title string
}

// ParseLicenseFile reads a license file of at most MaxLicenseSize bytes
// (the start of a larger one gives its title and SPDX id). p is the file's
// path in the repository, used in errors and recorded with the license.
// A file whose extension is not a text one (LICENSE.pdf) is not read: it
// gives a LicenseFile with only the path.
func ParseLicenseFile(r io.Reader, p string) (*LicenseFile, error) {
	lf := &LicenseFile{Path: p}
	if !isTextLicense(p) {
		lf.TextOmitted = true
		return lf, nil
	}
	data, err := readLimited(r, p, MaxLicenseSize)
	if err != nil && !errors.Is(err, safeio.ErrTooLarge) {
		return nil, err
	}
	lf.TextOmitted = err != nil
	if !lf.TextOmitted {
		lf.Text = string(data)
	}
	lf.Title = licenseTitle(data)
	lf.SPDXID = recogniseLicense(data)
	return lf, nil
}

// licenseTitle returns the first non-blank line, without Markdown marks,
// when it names a license, an agreement or terms.
func licenseTitle(data []byte) string {
	for line := range strings.SplitSeq(string(data[:min(len(data), 4096)]), "\n") {
		t := strings.TrimSpace(strings.Trim(strings.TrimSpace(line), "#*_=-` \t\r\ufeff"))
		if t == "" {
			continue
		}
		l := strings.ToLower(t)
		if utf8.ValidString(t) && len(t) <= 120 && (strings.Contains(l, "license") || strings.Contains(l, "licence") ||
			strings.Contains(l, "agreement") || strings.Contains(l, "terms")) {
			return t
		}
		return ""
	}
	return ""
}

// recogniseLicense returns the SPDX id of a well-known license text, by
// phrases at its start or throughout and, for the short permissive
// licenses, a length that leaves no room for added terms.
func recogniseLicense(data []byte) string {
	t := strings.ToLower(strings.Join(strings.Fields(string(data)), " "))
	head := t[:min(len(t), 600)]
	has := func(s ...string) bool {
		for _, x := range s {
			if !strings.Contains(t, x) {
				return false
			}
		}
		return true
	}
	switch {
	case strings.HasPrefix(strings.TrimLeft(t, "#*_= "), "apache license version 2.0, january 2004") &&
		has("terms and conditions for use, reproduction, and distribution"):
		return "Apache-2.0"
	case len(t) < 2000 && has("permission is hereby granted, free of charge, to any person obtaining a copy",
		"the above copyright notice and this permission notice shall be included in all copies or substantial portions of the software",
		`the software is provided "as is"`):
		return "MIT"
	case len(t) < 2500 && has("redistribution and use in source and binary forms, with or without modification, are permitted"):
		if has("neither the name of") {
			return "BSD-3-Clause"
		}
		return "BSD-2-Clause"
	}
	for _, cc := range []struct{ phrase, id string }{
		{"attribution-noncommercial-sharealike 4.0 international public license", "CC-BY-NC-SA-4.0"},
		{"attribution-noncommercial-noderivatives 4.0 international public license", "CC-BY-NC-ND-4.0"},
		{"attribution-noncommercial 4.0 international public license", "CC-BY-NC-4.0"},
		{"attribution-sharealike 4.0 international public license", "CC-BY-SA-4.0"},
		{"attribution-noderivatives 4.0 international public license", "CC-BY-ND-4.0"},
		{"attribution 4.0 international public license", "CC-BY-4.0"},
	} {
		if strings.Contains(head, "creative commons "+cc.phrase) {
			return cc.id
		}
	}
	return ""
}

// attached returns the text as a CycloneDX attachment: plain or Markdown
// text, or base64 when it is not UTF-8 or holds control characters that
// XML cannot carry.
func (lf *LicenseFile) attached() *cdx.AttachedText {
	ct := "text/plain"
	if strings.HasSuffix(strings.ToLower(lf.Path), ".md") {
		ct = "text/markdown"
	}
	if !xmlSafe(lf.Text) {
		return &cdx.AttachedText{Content: base64.StdEncoding.EncodeToString([]byte(lf.Text)), ContentType: ct, Encoding: "base64"}
	}
	return &cdx.AttachedText{Content: lf.Text, ContentType: ct}
}

func xmlSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}
