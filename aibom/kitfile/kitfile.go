// Package kitfile reads KitOps Kitfiles: the YAML manifest of a ModelKit
// project, naming its package, model (with parts), datasets, code and docs
// by path (https://kitops.org/docs/kitfile/format/).
package kitfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// MaxSize bounds a Kitfile: real ones are a few KiB.
const MaxSize = 1 << 20

// Names are the file names KitOps looks for in a project folder.
var Names = []string{"Kitfile", "kitfile", ".kitfile"}

// Kitfile is the part of a Kitfile aibom records. Fields KitOps added
// later (prompts, MCP servers) are ignored, not refused.
type Kitfile struct {
	ManifestVersion string    `yaml:"manifestVersion"`
	Package         Package   `yaml:"package"`
	Model           *Model    `yaml:"model"`
	Code            []Code    `yaml:"code"`
	Datasets        []Dataset `yaml:"datasets"`
	Docs            []Doc     `yaml:"docs"`
}

// Package describes the ModelKit as a whole.
type Package struct {
	Name        string   `yaml:"name"`
	Version     string   `yaml:"version"`
	Description string   `yaml:"description"`
	License     string   `yaml:"license"`
	Authors     []string `yaml:"authors"`
}

// Model is the ModelKit's model: its main path and further parts.
type Model struct {
	Name        string `yaml:"name"`
	Path        string `yaml:"path"`
	License     string `yaml:"license"`
	Framework   string `yaml:"framework"`
	Format      string `yaml:"format"`
	Version     string `yaml:"version"`
	Description string `yaml:"description"`
	Parts       []Part `yaml:"parts"`
}

// Part is a further part of the model (an adapter, a projector, ...).
type Part struct {
	Name    string `yaml:"name"`
	Path    string `yaml:"path"`
	License string `yaml:"license"`
	Type    string `yaml:"type"`
}

// Code is a code folder or file of the project.
type Code struct {
	Path        string `yaml:"path"`
	Description string `yaml:"description"`
	License     string `yaml:"license"`
}

// Dataset is a dataset the project ships.
type Dataset struct {
	Name        string `yaml:"name"`
	Path        string `yaml:"path"`
	Description string `yaml:"description"`
	License     string `yaml:"license"`
}

// Doc is a documentation file or folder.
type Doc struct {
	Path        string `yaml:"path"`
	Description string `yaml:"description"`
}

// Parse reads a Kitfile. Errors name the file and, for YAML errors, the
// line. Paths are cleaned to slash-separated paths relative to the
// project; a path that is absolute or leaves the project is an error,
// as it is for KitOps.
func Parse(r io.Reader, name string) (*Kitfile, error) {
	raw, err := safeio.ReadAll(r, MaxSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var kf Kitfile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&kf); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty Kitfile", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if kf.ManifestVersion == "" {
		return nil, fmt.Errorf("%s: not a Kitfile: no manifestVersion", name)
	}
	var bad []string
	clean := func(p *string) {
		if *p == "" {
			return
		}
		c, ok := Clean(*p)
		if !ok {
			bad = append(bad, *p)
			return
		}
		*p = c
	}
	if m := kf.Model; m != nil {
		clean(&m.Path)
		for i := range m.Parts {
			clean(&m.Parts[i].Path)
		}
	}
	for i := range kf.Code {
		clean(&kf.Code[i].Path)
	}
	for i := range kf.Datasets {
		clean(&kf.Datasets[i].Path)
	}
	for i := range kf.Docs {
		clean(&kf.Docs[i].Path)
	}
	if len(bad) > 0 {
		return &kf, fmt.Errorf("%s: paths outside the project: %q", name, bad)
	}
	return &kf, nil
}

// Clean makes p a slash-separated path relative to the project root
// ("." for the root itself). It reports false for absolute paths, paths
// that leave the project and remote references (s3://, ModelKit refs).
func Clean(p string) (string, bool) {
	p = strings.ReplaceAll(strings.TrimSpace(p), "\\", "/")
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "://") || strings.ContainsRune(p, 0) ||
		(len(p) > 1 && p[1] == ':') {
		return "", false
	}
	c := path.Clean(p)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", false
	}
	return c, true
}

// Covers reports whether the Kitfile path p names file (a relative,
// slash-separated path): p is the file itself or a folder holding it.
func Covers(p, file string) bool {
	return p == "." || p == file || strings.HasPrefix(file, p+"/")
}
