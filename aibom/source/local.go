package source

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Local is a Source on the local file system: a directory, a single file or
// a Hugging Face cache snapshot. Its entries are RandomAccess.
type Local struct {
	info Info
	// root is the resolved folder the paths are relative to (the file
	// itself for SingleFile).
	root string
	// outside lists resolved folders outside root that links may point
	// into (the Hugging Face cache's blobs/).
	outside []string
}

// Open finds the source at path: a single file, a Hugging Face cache
// folder (models--org--name, one of its snapshots, or a hub folder holding
// one model) or a directory. A path that is a symbolic link is followed.
func Open(_ context.Context, path string) (*Local, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	resolved, err := resolve(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return &Local{info: Info{Kind: SingleFile, Root: path, Name: filepath.Base(path)}, root: resolved}, nil
	}
	if repo, snap, rev, ok, err := huggingFace(resolved); err != nil {
		return nil, err
	} else if ok {
		snapReal, err := resolve(snap)
		if err != nil {
			return nil, err
		}
		blobs, _ := resolve(filepath.Join(filepath.Dir(filepath.Dir(snapReal)), "blobs"))
		l := &Local{info: Info{Kind: HuggingFaceCache, Root: path, Name: repo, Revision: rev}, root: snapReal}
		if blobs != "" {
			l.outside = []string{blobs}
		}
		return l, nil
	}
	name := filepath.Base(filepath.Clean(path))
	if abs, err := filepath.Abs(path); err == nil {
		name = filepath.Base(abs)
	}
	return &Local{info: Info{Kind: Directory, Root: path, Name: name}, root: resolved}, nil
}

func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("source: %w", err)
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("source: %w", err)
	}
	return resolved, nil
}

// Info implements Source.
func (l *Local) Info() Info { return l.info }

// Walk implements Source: entries and problems sorted by path.
func (l *Local) Walk(ctx context.Context, fn WalkFunc) error {
	if l.info.Kind == SingleFile {
		name := filepath.Base(l.info.Root)
		st, err := os.Stat(l.root)
		switch {
		case err != nil:
			return fn(pathOnly(name), err)
		case !st.Mode().IsRegular():
			return fn(pathOnly(name), fmt.Errorf("%w (%s)", ErrNotRegular, st.Mode().Type()))
		}
		return fn(&localFile{path: name, abs: l.root, size: st.Size()}, nil)
	}
	type item struct {
		e   Entry
		err error
	}
	var items []item
	err := filepath.WalkDir(l.root, func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel := relPath(l.root, p)
		switch {
		case err != nil && p == l.root:
			return err
		case err != nil:
			items = append(items, item{pathOnly(rel), fmt.Errorf("%w: %w", ErrUnreadable, err)})
			return nil
		case d.IsDir() && d.Name() == ".git" && p != l.root:
			return filepath.SkipDir
		case d.IsDir():
			return nil
		}
		e, problem := l.entry(p, rel, d)
		items = append(items, item{e, problem})
		return nil
	})
	if err != nil {
		return err
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].e.Path() < items[j].e.Path() })
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(it.e, it.err); err != nil {
			return err
		}
	}
	return nil
}

// entry applies the rules of the package documentation to the non-directory
// p.
func (l *Local) entry(p, rel string, d fs.DirEntry) (Entry, error) {
	target := p
	if d.Type()&fs.ModeSymlink != 0 {
		t, err := filepath.EvalSymlinks(p)
		if err != nil {
			return pathOnly(rel), fmt.Errorf("%w: %w", ErrDangling, err)
		}
		if !l.inside(t) {
			return pathOnly(rel), fmt.Errorf("%w (it points to %s)", ErrLeavesSource, t)
		}
		target = t
	}
	st, err := os.Stat(target)
	switch {
	case err != nil:
		return pathOnly(rel), fmt.Errorf("%w: %w", ErrUnreadable, err)
	case st.IsDir():
		return pathOnly(rel), fmt.Errorf("%w: link to a directory not followed", ErrNotRegular)
	case !st.Mode().IsRegular():
		return pathOnly(rel), fmt.Errorf("%w (%s)", ErrNotRegular, st.Mode().Type())
	}
	return &localFile{path: rel, abs: target, size: st.Size()}, nil
}

// inside reports whether the resolved path t lies in the source root or in
// one of the folders links may point into.
func (l *Local) inside(t string) bool {
	for _, dir := range append([]string{l.root}, l.outside...) {
		if t == dir || strings.HasPrefix(t, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func relPath(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// localFile is a RandomAccess entry of a Local source.
type localFile struct {
	path string
	abs  string
	size int64
}

func (f *localFile) Path() string   { return f.path }
func (f *localFile) Size() int64    { return f.size }
func (f *localFile) Digest() string { return "" }

func (f *localFile) Open(context.Context) (io.ReadCloser, error) {
	return os.Open(f.abs)
}

func (f *localFile) OpenAt(context.Context) (ReaderAt, error) {
	return os.Open(f.abs)
}

// pathOnly is the entry handed to a WalkFunc with a problem.
type pathOnly string

func (p pathOnly) Path() string   { return string(p) }
func (p pathOnly) Size() int64    { return 0 }
func (p pathOnly) Digest() string { return "" }
func (p pathOnly) Open(context.Context) (io.ReadCloser, error) {
	return nil, fmt.Errorf("%s: %w", string(p), ErrNotRegular)
}
