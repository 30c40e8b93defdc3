package modelcard

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

func readFixture(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "cards", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIsLicenseFile(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"LICENSE": true, "LICENSE.txt": true, "LICENSE.md": true, "sub/licence": true, "LICENSE-MODEL": true,
		"license_agreement.pdf": true, "COPYING": true, "README.md": false, "licenses.json": false, "unlicensed.txt": false,
	} {
		if got := IsLicenseFile(p); got != want {
			t.Errorf("IsLicenseFile(%q) = %v", p, got)
		}
	}
}

func TestParseLicenseFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, path, text, id, title string
	}{
		{"apache", "LICENSE", readFixture(t, "llm-bold/LICENSE"), "Apache-2.0", "Apache License"},
		{"mit", "LICENSE", readFixture(t, "mteb-embed/LICENSE"), "MIT", "MIT License"},
		{"custom", "LICENSE.txt", readFixture(t, "custom-license/LICENSE.txt"), "", "ACME OPEN MODEL LICENSE AGREEMENT"},
		{"apache-based custom", "LICENSE", "# ACME LICENSE\n\nThis license is based on the Apache License Version 2.0, January 2004, " +
			"TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION, with these restrictions: ...\n", "", "ACME LICENSE"},
		{"mit with added terms", "LICENSE", readFixture(t, "mteb-embed/LICENSE") + strings.Repeat("You may not use it for X. ", 60), "", "MIT License"},
		{"cc-by-nc", "LICENSE.md", "## Creative Commons Attribution-NonCommercial 4.0 International Public License\n\nBy exercising...", "CC-BY-NC-4.0",
			"Creative Commons Attribution-NonCommercial 4.0 International Public License"},
		{"copyright first", "LICENSE", "Copyright 2026 Acme\n\nAll rights reserved.\n", "", ""},
	} {
		lf, err := ParseLicenseFile(strings.NewReader(tc.text), tc.path)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if lf.SPDXID != tc.id || lf.Title != tc.title || lf.Text != tc.text || lf.TextOmitted {
			t.Errorf("%s: id %q title %q omitted %v", tc.name, lf.SPDXID, lf.Title, lf.TextOmitted)
		}
	}
	big := "BIG MODEL LICENSE\n" + strings.Repeat("x", MaxLicenseSize)
	lf, err := ParseLicenseFile(strings.NewReader(big), "LICENSE")
	if err != nil || !lf.TextOmitted || lf.Text != "" || lf.Title != "BIG MODEL LICENSE" {
		t.Errorf("large file: %+v, %v", lf, err)
	}
	if lf, _ := ParseLicenseFile(strings.NewReader("%PDF-1.7"), "LICENSE.pdf"); !lf.TextOmitted || lf.Title != "" {
		t.Errorf("pdf: %+v", lf)
	}
}

func TestLicensesWith(t *testing.T) {
	t.Parallel()
	custom := &LicenseFile{Path: "LICENSE", Text: "ACME LICENSE\nterms", Title: "ACME LICENSE"}
	mit := &LicenseFile{Path: "LICENSE", Text: "MIT License ...", SPDXID: "MIT", Title: "MIT License"}
	ctrl := &LicenseFile{Path: "LICENSE", Text: "ACME\x01LICENSE", Title: ""}
	tests := []struct {
		name  string
		card  *Card
		files []*LicenseFile
		want  []string // "id|name|has text"
	}{
		{"no card, custom file", nil, []*LicenseFile{custom}, []string{"|ACME LICENSE|text"}},
		{"no card, SPDX file", nil, []*LicenseFile{mit}, []string{"MIT||"}},
		{"card id matches file", &Card{License: []string{"mit"}}, []*LicenseFile{mit}, []string{"MIT||"}},
		{"other takes the file's title", &Card{License: []string{"other"}}, []*LicenseFile{custom}, []string{"|ACME LICENSE|text"}},
		{"license_name kept", &Card{License: []string{"other"}, LicenseName: "acme-license"}, []*LicenseFile{custom},
			[]string{"|acme-license|text"}},
		{"card id, custom file", &Card{License: []string{"apache-2.0"}}, []*LicenseFile{custom},
			[]string{"Apache-2.0||", "|ACME LICENSE|text"}},
		{"linked among two named", &Card{License: []string{"llama3", "gemma"}, LicenseLink: "./LICENSE"}, []*LicenseFile{custom},
			[]string{"|llama3|text", "|gemma|"}},
		{"linked from a sub-folder's card", &Card{License: []string{"llama3", "gemma"}, LicenseLink: "LICENSE"},
			[]*LicenseFile{{Path: "text_encoder/LICENSE", Text: "T", Title: "T LICENSE"}}, []string{"|llama3|text", "|gemma|"}},
		{"two named, no link", &Card{License: []string{"llama3", "gemma"}}, []*LicenseFile{custom},
			[]string{"|llama3|", "|gemma|", "|ACME LICENSE|text"}},
		{"same text twice", nil, []*LicenseFile{custom, {Path: "LICENSE.md", Text: custom.Text, Title: custom.Title}},
			[]string{"|ACME LICENSE|text"}},
		{"untitled, control characters", nil, []*LicenseFile{ctrl}, []string{"|license in LICENSE|base64"}},
	}
	for _, tt := range tests {
		var got []string
		for _, l := range tt.card.LicensesWith(tt.files) {
			s := l.License.ID + "|" + l.License.Name + "|"
			if l.License.Text != nil {
				s += firstNonEmpty(l.License.Text.Encoding, "text")
				checkText(t, tt.name, l.License.Text)
			}
			if l.License.Properties == nil && len(tt.files) > 0 && l.License.Text != nil {
				t.Errorf("%s: no %s property", tt.name, PropLicenseFile)
			}
			got = append(got, s)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func checkText(t *testing.T, name string, a *cdx.AttachedText) {
	t.Helper()
	if a.Encoding == "base64" {
		if _, err := base64.StdEncoding.DecodeString(a.Content); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
