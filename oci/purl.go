package oci

import (
	"net/url"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// PURL returns the package URL of an OCI artifact, per the purl
// specification's oci type: the name is the last segment of the
// repository, lowercased; the version is the manifest digest (its ':'
// percent-encoded); repository_url is the repository without its scheme
// (docker.io/library/debian), and tag is added when given. Qualifiers are
// sorted by key, as the specification requires:
//
//	pkg:oci/debian@sha256%3A244f...?repository_url=docker.io/library/debian&tag=latest
//
// An empty repository (a layout or tarball) gives a purl without
// repository_url and named "model".
func PURL(repository string, digest v1.Hash, tag string) string {
	name := "model"
	if repository != "" {
		name = strings.ToLower(path.Base(repository))
	}
	var b strings.Builder
	b.WriteString("pkg:oci/")
	b.WriteString(escape(name))
	b.WriteString("@")
	b.WriteString(escape(digest.String()))
	sep := "?"
	if repository != "" {
		b.WriteString(sep + "repository_url=" + strings.ReplaceAll(escape(strings.ToLower(repository)), "%2F", "/"))
		sep = "&"
	}
	if tag != "" {
		b.WriteString(sep + "tag=" + escape(tag))
	}
	return b.String()
}

func escape(s string) string { return strings.ReplaceAll(url.PathEscape(s), ":", "%3A") }

// PURL returns the artifact's package URL (see the PURL function).
func (a *Artifact) PURL() string { return PURL(a.Repository, a.Digest, a.Tag) }
