// Package libraries finds a project's software dependencies — pip
// requirements, pyproject.toml, Pipfile/poetry/uv/pdm locks, setup.py,
// installed dist-info and egg-info, conda environments and conda-meta, and
// for the model-serving code beside them npm (package.json and its locks),
// Cargo.lock and installed R packages — and turns them into CycloneDX
// library components.
//
// The catalogers are syft's, used as a library. syft has none for
// pyproject.toml's dependency lists or conda's environment.yml, so this
// package adds two catalogers for them, built on syft's generic cataloger
// so that they run and report exactly like syft's own.
//
// Only these catalogers are linked in: syft's full cataloger set would
// more than double aibom's resident memory for every command. Catalogers
// that would run programs (syft's Go module cataloger runs the go tool) or
// reach the network (remote license lookups) are not used.
package libraries

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/anchore/syft/syft/artifact"
	"github.com/anchore/syft/syft/file"
	"github.com/anchore/syft/syft/pkg"
	"github.com/anchore/syft/syft/pkg/cataloger/conda"
	"github.com/anchore/syft/syft/pkg/cataloger/javascript"
	"github.com/anchore/syft/syft/pkg/cataloger/python"
	"github.com/anchore/syft/syft/pkg/cataloger/r"
	"github.com/anchore/syft/syft/pkg/cataloger/rust"

	"github.com/seed-43c89ce6/aibom/internal/bomschema"
)

// File is one file of the project, as the source lists it.
type File struct {
	Path string // relative to the project root, with / separators
	Size int64
	// Open opens the content.
	Open func() (io.ReadCloser, error)
}

// LocalFile is the File at abs on disk, listed as path.
func LocalFile(path, abs string) File {
	var size int64
	if st, err := os.Stat(abs); err == nil {
		size = st.Size()
	}
	return File{Path: path, Size: size, Open: func() (io.ReadCloser, error) { return os.Open(abs) }}
}

// Problem is a dependency file that could not be read in full; what could
// be read is still reported.
type Problem struct {
	Path string
	Err  error
}

// Library is one dependency.
type Library struct {
	Name    string
	Version string // empty when only a constraint is known
	// Constraint is the version requirement as written (">=2.1,<3"), when
	// the manifest gives one instead of a pinned version.
	Constraint string
	PURL       string
	Ecosystem  string   // the purl type: "pypi", "conda", "npm", "cargo", "cran"
	Licenses   []string // SPDX expressions where known, else the raw text
	// Manifests are the files the library was found in, sorted.
	Manifests []string
	// Catalogers are the catalogers that found it, sorted.
	Catalogers []string
	// DependsOn holds the BOM refs of the libraries it depends on, where a
	// lock file says.
	DependsOn []string
}

// Declared reports whether a manifest that lists what the project asks
// for (as opposed to a lock file or an installed environment) names l.
func (l Library) Declared() bool {
	for _, m := range l.Manifests {
		base := path.Base(m)
		switch {
		case base == "pyproject.toml", base == "setup.py", base == "Pipfile", base == "package.json",
			strings.HasSuffix(base, ".txt") && strings.Contains(base, "requirements"),
			base == "environment.yml", base == "environment.yaml", base == "conda.yaml", base == "conda.yml":
			return true
		}
	}
	return false
}

// Ref is the library's bom-ref.
func (l Library) Ref() string { return "library:" + l.PURL }

// Catalogers returns the catalogers aibom runs: syft's Python and conda
// catalogers, and aibom's pyproject.toml and environment.yml catalogers.
func catalogers() []pkg.Cataloger {
	return []pkg.Cataloger{
		python.NewPackageCataloger(python.DefaultCatalogerConfig().
			WithGuessUnpinnedRequirements(true). // constraints are kept; see fromSyft
			WithSearchRemoteLicenses(false)),
		python.NewInstalledPackageCataloger(),
		conda.NewCondaMetaCataloger(),
		javascript.NewPackageCataloger(),
		javascript.NewLockCataloger(javascript.DefaultCatalogerConfig().WithSearchRemoteLicenses(false)),
		rust.NewCargoLockCataloger(),
		r.NewPackageCataloger(),
		newPyprojectCataloger(),
		newCondaEnvCataloger(),
	}
}

// Find runs the catalogers over files. It never fails as a whole: a
// manifest that cannot be parsed is a Problem, and the others still count.
func Find(ctx context.Context, files []File) ([]Library, []Problem) {
	res := newResolver(files)
	var pkgs []pkg.Package
	var rels []artifact.Relationship
	var problems []Problem
	for _, c := range catalogers() {
		if ctx.Err() != nil {
			problems = append(problems, Problem{Path: ".", Err: ctx.Err()})
			break
		}
		p, r, err := catalog(ctx, c, res)
		pkgs = append(pkgs, p...)
		rels = append(rels, r...)
		for _, pr := range problemsOf(c.Name(), err) {
			if bare, ok := bareRequirement(pr); ok {
				pkgs = append(pkgs, bare)
				continue
			}
			problems = append(problems, pr)
		}
	}
	return merge(pkgs, rels), problems
}

// catalog runs one cataloger, turning a panic into an error: a syft bug
// on a hostile manifest must not take the BOM down.
func catalog(ctx context.Context, c pkg.Cataloger, r *resolver) (p []pkg.Package, rels []artifact.Relationship, err error) {
	defer func() {
		if v := recover(); v != nil {
			p, rels, err = nil, nil, fmt.Errorf("%s: panic: %v", c.Name(), v)
		}
	}()
	return c.Catalog(ctx, r)
}

// unpinnedLine is how syft's requirements parser reports a line it
// drops because no version can be derived from it.
var unpinnedLine = regexp.MustCompile(`^python-package-cataloger: unable to determine package version in requirements\.txt line: "(.*)"$`)

// bareRequirement keeps a requirement with no version at all
// ("safetensors"), which syft reports as an unknown and drops: the
// project does depend on it, at whatever version pip picks.
func bareRequirement(pr Problem) (pkg.Package, bool) {
	m := unpinnedLine.FindStringSubmatch(pr.Err.Error())
	if m == nil {
		return pkg.Package{}, false
	}
	line, err := strconv.Unquote(`"` + m[1] + `"`)
	if err != nil {
		return pkg.Package{}, false
	}
	name, constraint, ok := parsePEP508(line)
	if !ok || constraint != "" {
		return pkg.Package{}, false
	}
	p := newPackage("pypi", name, "", file.NewLocation("/"+pr.Path))
	p.FoundBy = "python-package-cataloger"
	return p, true
}

// problemsOf splits a cataloger's joined error into one Problem per
// file. syft reports "unknowns" (a requirements line it could not parse)
// as errors that carry the file's coordinates.
func problemsOf(cataloger string, err error) []Problem {
	if err == nil {
		return nil
	}
	var out []Problem
	for _, e := range flatten(err) {
		where := "."
		var c interface{ GetCoordinates() file.Coordinates }
		msg := e.Error()
		if errors.As(e, &c) {
			where = strings.TrimPrefix(c.GetCoordinates().RealPath, "/")
			msg = strings.TrimPrefix(msg, c.GetCoordinates().RealPath+": ")
		} else if i := strings.Index(msg, ": "); i > 0 && strings.HasPrefix(msg, "/") {
			where, msg = strings.TrimPrefix(msg[:i], "/"), msg[i+2:]
		}
		out = append(out, Problem{Path: where, Err: fmt.Errorf("%s: %s", cataloger, msg)})
	}
	return out
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// merge turns syft's packages into libraries, one per package URL, with
// the dependency edges syft found.
func merge(pkgs []pkg.Package, rels []artifact.Relationship) []Library {
	byPURL := map[string]*Library{}
	idToPURL := map[artifact.ID]string{}
	for i := range pkgs {
		l := fromSyft(pkgs[i])
		if l.PURL == "" || strings.TrimSpace(l.Name) == "" {
			continue // a package.json with no name (a bundled web asset) names no package
		}
		idToPURL[pkgs[i].ID()] = l.PURL
		if have, ok := byPURL[l.PURL]; ok {
			have.Manifests = union(have.Manifests, l.Manifests)
			have.Catalogers = union(have.Catalogers, l.Catalogers)
			have.Licenses = union(have.Licenses, l.Licenses)
			if have.Constraint == "" {
				have.Constraint = l.Constraint
			}
			continue
		}
		byPURL[l.PURL] = &l
	}
	for _, r := range rels {
		if r.Type != artifact.DependencyOfRelationship {
			continue
		}
		dep, ok1 := idToPURL[r.From.ID()]
		parent, ok2 := idToPURL[r.To.ID()]
		if !ok1 || !ok2 || dep == parent {
			continue
		}
		p := byPURL[parent]
		p.DependsOn = union(p.DependsOn, []string{"library:" + dep})
	}
	out := make([]Library, 0, len(byPURL))
	for _, l := range byPURL {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PURL < out[j].PURL })
	return out
}

// fromSyft maps one syft package. For a requirement that is a range
// (">=2.1"), syft is asked to keep the package and guesses a version from
// the range; aibom drops that guess and records the range instead, since
// a BOM must not claim a version nobody pinned.
func fromSyft(p pkg.Package) Library {
	l := Library{Name: p.Name, Version: p.Version, PURL: p.PURL, Ecosystem: ecosystem(p)}
	if e, ok := p.Metadata.(pkg.PythonRequirementsEntry); ok {
		c := strings.TrimSpace(e.VersionConstraint)
		if c != "" && !isPin(c) {
			l.Version, l.Constraint = "", c
			l.PURL = purl(l.Ecosystem, l.Name, "")
		}
	}
	if m, ok := p.Metadata.(requirement); ok {
		l.Constraint = m.Constraint
	}
	if l.PURL == "" && l.Name != "" {
		l.PURL = purl(l.Ecosystem, l.Name, l.Version)
	}
	for _, lic := range p.Licenses.ToSlice() {
		v := lic.SPDXExpression
		if v == "" {
			v = lic.Value
		}
		if v != "" {
			l.Licenses = union(l.Licenses, []string{v})
		}
	}
	for _, loc := range p.Locations.ToSlice() {
		l.Manifests = union(l.Manifests, []string{strings.TrimPrefix(loc.RealPath, "/")})
	}
	if p.FoundBy != "" {
		l.Catalogers = []string{p.FoundBy}
	}
	return l
}

func ecosystem(p pkg.Package) string {
	if p.Type == pkg.CondaPkg {
		return "conda"
	}
	if t, _, ok := strings.Cut(strings.TrimPrefix(p.PURL, "pkg:"), "/"); ok && strings.HasPrefix(p.PURL, "pkg:") {
		return t // npm, cargo, cran, pypi, conda
	}
	return "pypi"
}

// isPin reports whether a PEP 440 constraint names exactly one version.
func isPin(c string) bool {
	c = strings.TrimSpace(c)
	if strings.ContainsAny(c, "*,<>~!") {
		return false
	}
	return strings.HasPrefix(c, "==") || strings.HasPrefix(c, "===")
}

func union(a, b []string) []string {
	seen := make(map[string]bool, len(a)+len(b))
	var out []string
	for _, s := range append(append([]string(nil), a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Component is the CycloneDX library component for l.
func (l Library) Component() cdx.Component {
	c := cdx.Component{
		BOMRef:     l.Ref(),
		Type:       cdx.ComponentTypeLibrary,
		Name:       l.Name,
		Version:    l.Version,
		PackageURL: l.PURL,
	}
	if len(l.Licenses) > 0 {
		lc := licenses(l.Licenses)
		c.Licenses = &lc
	}
	props := []cdx.Property{{Name: "aibom:library:ecosystem", Value: l.Ecosystem}}
	if l.Constraint != "" {
		props = append(props, cdx.Property{Name: "aibom:library:constraint", Value: l.Constraint})
	}
	for _, m := range l.Manifests {
		props = append(props, cdx.Property{Name: "aibom:library:manifest", Value: m})
	}
	for _, f := range l.Catalogers {
		props = append(props, cdx.Property{Name: "syft:package:foundBy", Value: f})
	}
	c.Properties = &props
	return c
}

// licenses maps license strings to CycloneDX: an SPDX id the schema
// knows becomes an id, a single compound expression an expression, and
// anything else a named license. The schema allows either licenses or one
// expression, never both, so several values with an expression among
// them are all written as names.
func licenses(vals []string) cdx.Licenses {
	isExpr := func(v string) bool {
		return strings.ContainsAny(v, "()") || strings.Contains(v, " OR ") || strings.Contains(v, " AND ") || strings.Contains(v, " WITH ")
	}
	if len(vals) == 1 && isExpr(vals[0]) && !bomschema.IsSPDXID(vals[0]) {
		return cdx.Licenses{{Expression: vals[0]}}
	}
	var out cdx.Licenses
	for _, v := range vals {
		if bomschema.IsSPDXID(v) {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: v}})
		} else {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: v}})
		}
	}
	return out
}

func purl(eco, name, version string) string {
	if name == "" {
		return ""
	}
	p := "pkg:" + eco + "/" + url.PathEscape(normalize(eco, name))
	if version != "" {
		p += "@" + url.PathEscape(version)
	}
	return p
}

// normalize applies the ecosystem's name normalisation: PEP 503 for PyPI
// (lower case, runs of "-", "_" and "." become "-"); conda names are
// lower case.
func normalize(eco, name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if eco != "pypi" {
		return name
	}
	var b strings.Builder
	dash := false
	for _, r := range name {
		if r == '-' || r == '_' || r == '.' {
			if !dash {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}
