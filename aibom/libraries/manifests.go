package libraries

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/anchore/syft/syft/artifact"
	"github.com/anchore/syft/syft/file"
	"github.com/anchore/syft/syft/pkg"
	"github.com/anchore/syft/syft/pkg/cataloger/generic"
	"gopkg.in/yaml.v3"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// Names of aibom's own catalogers, as they appear in syft:package:foundBy.
const (
	pyprojectCataloger = "aibom-pyproject-cataloger"
	condaEnvCataloger  = "aibom-conda-environment-cataloger"
)

// requirement is the metadata aibom's catalogers attach to a package.
type requirement struct {
	// Constraint is the version requirement when it pins no one version.
	Constraint string
}

func newPyprojectCataloger() pkg.Cataloger {
	return generic.NewCataloger(pyprojectCataloger).
		WithParserByGlobs(parsePyproject, "**/pyproject.toml")
}

// newCondaEnvCataloger reads conda environment files: environment.yml as
// `conda env export` writes it, and conda.yaml as MLflow saves it beside a
// model.
func newCondaEnvCataloger() pkg.Cataloger {
	return generic.NewCataloger(condaEnvCataloger).
		WithParserByGlobs(parseCondaEnv, "**/environment.yml", "**/environment.yaml", "**/conda.yaml", "**/conda.yml")
}

// pyproject is the part of pyproject.toml that lists dependencies: PEP 621
// [project], PEP 735 [dependency-groups] and Poetry's tables.
type pyproject struct {
	Project struct {
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
	} `toml:"project"`
	DependencyGroups map[string][]any `toml:"dependency-groups"`
	Tool             struct {
		Poetry struct {
			Dependencies    map[string]any `toml:"dependencies"`
			DevDependencies map[string]any `toml:"dev-dependencies"`
			Group           map[string]struct {
				Dependencies map[string]any `toml:"dependencies"`
			} `toml:"group"`
		} `toml:"poetry"`
	} `toml:"tool"`
}

func parsePyproject(_ context.Context, _ file.Resolver, _ *generic.Environment, r file.LocationReadCloser) ([]pkg.Package, []artifact.Relationship, error) {
	raw, err := safeio.ReadAll(r, maxManifest)
	if err != nil {
		return nil, nil, err
	}
	var doc pyproject
	if _, err := toml.Decode(string(raw), &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", r.RealPath, err)
	}
	var reqs []string
	reqs = append(reqs, doc.Project.Dependencies...)
	for _, g := range sortedKeys(doc.Project.OptionalDependencies) {
		reqs = append(reqs, doc.Project.OptionalDependencies[g]...)
	}
	for _, g := range sortedKeys(doc.DependencyGroups) {
		for _, v := range doc.DependencyGroups[g] {
			if s, ok := v.(string); ok { // {include-group = "..."} entries name groups, not packages
				reqs = append(reqs, s)
			}
		}
	}
	var pkgs []pkg.Package
	var bad []string
	for _, s := range reqs {
		name, constraint, ok := parsePEP508(s)
		if !ok {
			bad = append(bad, s)
			continue
		}
		pkgs = append(pkgs, newPackage("pypi", name, constraint, r.Location))
	}
	poetry := []map[string]any{doc.Tool.Poetry.Dependencies, doc.Tool.Poetry.DevDependencies}
	for _, g := range sortedKeys(doc.Tool.Poetry.Group) {
		poetry = append(poetry, doc.Tool.Poetry.Group[g].Dependencies)
	}
	for _, deps := range poetry {
		for _, name := range sortedKeys(deps) {
			if strings.EqualFold(name, "python") {
				continue
			}
			constraint := ""
			switch v := deps[name].(type) {
			case string:
				constraint = v
			case map[string]any:
				constraint, _ = v["version"].(string)
			}
			pkgs = append(pkgs, newPackage("pypi", name, poetryConstraint(constraint), r.Location))
		}
	}
	if len(bad) > 0 {
		return pkgs, nil, fmt.Errorf("%s: unparseable requirements: %q", r.RealPath, bad)
	}
	return pkgs, nil, nil
}

// poetryConstraint turns a bare Poetry version ("1.2.3", an exact pin in
// Poetry) into "==1.2.3"; carets, tildes and ranges are kept as written.
func poetryConstraint(c string) string {
	c = strings.TrimSpace(c)
	if c != "" && c[0] >= '0' && c[0] <= '9' && !strings.ContainsAny(c, "*,<>=!~^ ") {
		return "==" + c
	}
	return c
}

// pep508 matches a PEP 508 requirement's name, extras and what follows.
var pep508 = regexp.MustCompile(`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$`)

// parsePEP508 splits "name[extra] (>=1.0,<2) ; marker" into the name and
// the version specifier. A direct reference ("name @ https://...") has no
// version.
func parsePEP508(s string) (name, constraint string, ok bool) {
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	m := pep508.FindStringSubmatch(s)
	if m == nil {
		return "", "", false
	}
	rest := strings.TrimSpace(m[3])
	if strings.HasPrefix(rest, "@") {
		return m[1], "", true
	}
	rest = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(rest, "("), ")"))
	if rest != "" && !strings.ContainsAny(rest[:1], "=<>!~") {
		return "", "", false
	}
	return m[1], strings.ReplaceAll(rest, " ", ""), true
}

// condaEnv is a conda environment file.
type condaEnv struct {
	Dependencies []yaml.Node `yaml:"dependencies"`
}

func parseCondaEnv(_ context.Context, _ file.Resolver, _ *generic.Environment, r file.LocationReadCloser) ([]pkg.Package, []artifact.Relationship, error) {
	raw, err := safeio.ReadAll(r, maxManifest)
	if err != nil {
		return nil, nil, err
	}
	var doc condaEnv
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", r.RealPath, err)
	}
	var pkgs []pkg.Package
	var bad []string
	for _, n := range doc.Dependencies {
		switch n.Kind {
		case yaml.ScalarNode:
			name, constraint, ok := parseCondaSpec(n.Value)
			if !ok {
				bad = append(bad, fmt.Sprintf("line %d: %q", n.Line, n.Value))
				continue
			}
			pkgs = append(pkgs, newPackage("conda", name, constraint, r.Location))
		case yaml.MappingNode: // - pip: [requirements]
			var pip struct {
				Pip []string `yaml:"pip"`
			}
			if n.Decode(&pip) != nil {
				bad = append(bad, fmt.Sprintf("line %d: not a pip list", n.Line))
				continue
			}
			for _, s := range pip.Pip {
				if strings.HasPrefix(s, "-") { // -r file, -e path, --index-url
					continue
				}
				name, constraint, ok := parsePEP508(s)
				if !ok {
					bad = append(bad, fmt.Sprintf("pip: %q", s))
					continue
				}
				pkgs = append(pkgs, newPackage("pypi", name, constraint, r.Location))
			}
		default:
			bad = append(bad, fmt.Sprintf("line %d: unexpected entry", n.Line))
		}
	}
	if len(bad) > 0 {
		return pkgs, nil, fmt.Errorf("%s: unparseable dependencies: %s", r.RealPath, strings.Join(bad, ", "))
	}
	return pkgs, nil, nil
}

// condaSpec matches a conda match spec: [channel::]name[ version[ build]],
// the version and build separated by "=" or spaces.
var condaSpec = regexp.MustCompile(`^\s*(?:[A-Za-z0-9_./:-]+::)?([A-Za-z0-9_][A-Za-z0-9._-]*)\s*(.*?)\s*$`)

// parseCondaSpec reads "numpy=1.26.4=py311h64a7726_0" (an export: the
// version is pinned), "numpy==1.26.4" (pinned), "numpy=1.26" (any 1.26.x:
// a constraint) or "numpy>=1.26".
func parseCondaSpec(s string) (name, constraint string, ok bool) {
	m := condaSpec.FindStringSubmatch(s)
	if m == nil {
		return "", "", false
	}
	name, rest := m[1], strings.TrimSpace(m[2])
	switch {
	case rest == "":
		return name, "", true
	case strings.HasPrefix(rest, "=") && !strings.HasPrefix(rest, "=="):
		parts := strings.SplitN(rest[1:], "=", 2)
		if len(parts) == 2 && parts[0] != "" && !strings.ContainsAny(parts[0], "*<>,|") {
			return name, "==" + parts[0], true // name=version=build
		}
		return name, rest, true
	case strings.ContainsAny(rest[:1], "=<>!~"):
		return name, strings.ReplaceAll(rest, " ", ""), true
	case rest[0] >= '0' && rest[0] <= '9': // "numpy 1.26.4 py311_0"
		f := strings.Fields(rest)
		if len(f) >= 2 {
			return name, "==" + f[0], true
		}
		return name, "=" + f[0], true
	}
	return "", "", false
}

// newPackage builds a syft package from a name and a constraint: a pin
// ("==1.2") becomes the version, anything else is kept as the constraint.
func newPackage(eco, name, constraint string, loc file.Location) pkg.Package {
	version := ""
	if isPin(constraint) {
		version = strings.TrimLeft(constraint, "=")
		constraint = ""
	}
	p := pkg.Package{
		Name:      normalize(eco, name),
		Version:   version,
		PURL:      purl(eco, name, version),
		Locations: file.NewLocationSet(loc.WithAnnotation(pkg.EvidenceAnnotationKey, pkg.PrimaryEvidenceAnnotation)),
		Metadata:  requirement{Constraint: constraint},
	}
	if eco == "conda" {
		p.Type = pkg.CondaPkg
	} else {
		p.Type, p.Language = pkg.PythonPkg, pkg.Python
	}
	p.SetID()
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
