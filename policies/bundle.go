package policies

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/util"
)

//go:embed bundle/*.rego bundle/data.json
var defaultFS embed.FS

// Limits bound what LoadBundle reads.
type Limits struct {
	MaxFileSize  int64 // one .rego or data file
	MaxTotalSize int64 // every file together
	MaxFiles     int   // .rego and data files
}

// DefaultLimits: 1 MiB a file, 16 MiB and 1,000 files in all.
func DefaultLimits() Limits {
	return Limits{MaxFileSize: 1 << 20, MaxTotalSize: 16 << 20, MaxFiles: 1000}
}

// Bundle is a set of Rego v1 modules (policies, helpers and their tests) and
// the data they read. It is immutable once loaded.
type Bundle struct {
	modules map[string]*ast.Module // by file name
	sources map[string][]byte
	data    map[string]any
}

// DefaultBundle returns aibom's own policies, embedded in the binary, with
// their default parameters (data.aibom.params).
func DefaultBundle() (*Bundle, error) {
	b := &Bundle{modules: map[string]*ast.Module{}, sources: map[string][]byte{}, data: map[string]any{}}
	err := fs.WalkDir(defaultFS, "bundle", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := defaultFS.ReadFile(p)
		if err != nil {
			return err
		}
		return b.add(p, src, "")
	})
	if err != nil {
		return nil, err
	}
	return b, b.check()
}

// LoadBundle reads a policy directory (every .rego file under it, and
// data.json / data.yaml files, each placed at its directory's path as opa
// does) or a single .rego file. Files named *_test.rego are tests: run by
// Test, never evaluated.
func LoadBundle(p string, lim Limits) (*Bundle, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("reading policies: %w", err)
	}
	b := &Bundle{modules: map[string]*ast.Module{}, sources: map[string][]byte{}, data: map[string]any{}}
	var total int64
	read := func(file, dataDir string) error {
		if len(b.sources) >= lim.MaxFiles {
			return fmt.Errorf("%w: more than %d files under %s", ErrTooLarge, lim.MaxFiles, p)
		}
		src, err := readBounded(file, lim.MaxFileSize)
		if err != nil {
			return err
		}
		if total += int64(len(src)); total > lim.MaxTotalSize {
			return fmt.Errorf("%w: the files under %s hold more than %d bytes", ErrTooLarge, p, lim.MaxTotalSize)
		}
		return b.add(file, src, dataDir)
	}
	if !st.IsDir() {
		if err := read(p, ""); err != nil {
			return nil, err
		}
		return b, b.check()
	}
	err = filepath.WalkDir(p, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && file != p && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !d.Type().IsRegular() || !isPolicyFile(d.Name()) {
			return nil
		}
		rel, err := filepath.Rel(p, filepath.Dir(file))
		if err != nil {
			return err
		}
		return read(file, filepath.ToSlash(rel))
	})
	if err != nil {
		return nil, fmt.Errorf("reading policies: %w", err)
	}
	return b, b.check()
}

func isPolicyFile(name string) bool {
	return strings.HasSuffix(name, ".rego") || isDataFile(name)
}

func isDataFile(name string) bool {
	return name == "data.json" || name == "data.yaml" || name == "data.yml"
}

// readBounded reads file, refusing one over max bytes.
func readBounded(file string, maxSize int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, over the limit of %d", ErrTooLarge, file, st.Size(), maxSize)
	}
	buf := make([]byte, st.Size()+1)
	n, err := f.ReadAt(buf, 0)
	if int64(n) > maxSize {
		return nil, fmt.Errorf("%w: %s grew over the limit of %d bytes", ErrTooLarge, file, maxSize)
	}
	if err != nil && n < int(st.Size()) {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return buf[:n], nil
}

// add parses one file into b: a module, or data placed at dataDir.
func (b *Bundle) add(file string, src []byte, dataDir string) error {
	b.sources[file] = src
	if isDataFile(path.Base(filepath.ToSlash(file))) {
		d, err := parseData(file, src)
		if err != nil {
			return err
		}
		if dataDir != "" && dataDir != "." {
			for _, k := range slices.Backward(strings.Split(dataDir, "/")) {
				d = map[string]any{k: d}
			}
		}
		b.data = merge(b.data, d)
		return nil
	}
	m, err := ast.ParseModuleWithOpts(file, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
	if err != nil {
		return compileError(err, file)
	}
	b.modules[file] = m
	return nil
}

// check fails when b has no module, or when its modules do not compile.
func (b *Bundle) check() error {
	if len(b.modules) == 0 {
		return ErrNoPolicies
	}
	c := newCompiler()
	if c.Compile(b.modules); c.Failed() {
		return compileError(c.Errors, "")
	}
	return nil
}

// parseData parses a JSON or YAML data file: an object.
func parseData(file string, src []byte) (map[string]any, error) {
	var d any
	if err := util.Unmarshal(src, &d); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrData, file, err)
	}
	m, ok := d.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s: the document is not an object", ErrData, file)
	}
	return m, nil
}

// LoadData reads a JSON or YAML data file (an object) of at most maxSize
// bytes, to be given to WithData.
func LoadData(file string, maxSize int64) (map[string]any, error) {
	src, err := readBounded(file, maxSize)
	if err != nil {
		return nil, err
	}
	return parseData(file, src)
}

// WithData returns a copy of b whose data is b's with d merged over it:
// objects merge key by key, any other value replaces. With the default
// bundle, d = {"aibom": {"params": {...}}} overrides some parameters and
// keeps the others.
func (b *Bundle) WithData(d map[string]any) (*Bundle, error) {
	var x any = d
	if err := util.RoundTrip(&x); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrData, err)
	}
	m, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: the data is not an object", ErrData)
	}
	return &Bundle{modules: b.modules, sources: b.sources, data: merge(copyData(b.data), m)}, nil
}

// Files lists the bundle's files, sorted.
func (b *Bundle) Files() []string {
	return slices.Sorted(maps.Keys(b.sources))
}

// Data returns a copy of the bundle's data.
func (b *Bundle) Data() map[string]any { return copyData(b.data) }

// Revision identifies the bundle's content: a SHA-256 over its modules and
// data. Caches of decisions key on it.
func (b *Bundle) Revision() string {
	h := sha256.New()
	for _, f := range b.Files() {
		if isDataFile(path.Base(filepath.ToSlash(f))) {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(b.sources[f]))
		h.Write(b.sources[f])
	}
	d, _ := json.Marshal(b.data) // maps marshal with sorted keys
	h.Write(d)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func copyData(d map[string]any) map[string]any {
	out := make(map[string]any, len(d))
	for k, v := range d {
		if m, ok := v.(map[string]any); ok {
			v = copyData(m)
		}
		out[k] = v
	}
	return out
}

// merge merges src into dst (modified) and returns it.
func merge(dst, src map[string]any) map[string]any {
	for k, v := range src {
		sm, ok1 := v.(map[string]any)
		dm, ok2 := dst[k].(map[string]any)
		if ok1 && ok2 {
			dst[k] = merge(dm, sm)
			continue
		}
		dst[k] = v
	}
	return dst
}

// compileError turns OPA's errors into a CompileError naming file and line.
func compileError(err error, file string) error {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		return &CompileError{Problems: []Problem{{File: file, Message: err.Error()}}}
	}
	ce := &CompileError{}
	for _, e := range errs {
		p := Problem{File: file, Message: e.Message}
		if e.Location != nil {
			p.Line, p.Column = e.Location.Row, e.Location.Col
			if e.Location.File != "" {
				p.File = e.Location.File
			}
		}
		ce.Problems = append(ce.Problems, p)
	}
	return ce
}
