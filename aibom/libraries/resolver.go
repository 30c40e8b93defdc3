package libraries

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/anchore/syft/syft/file"
	"github.com/bmatcuk/doublestar/v4"
)

// maxManifest bounds the bytes a cataloger may read from one dependency
// file: lock files of large projects run to a few MiB, never more.
const maxManifest = 32 << 20

// resolver is a syft file.Resolver over the files the source already
// listed: syft's catalogers select files by glob and read them through
// it, so the tree is walked once, by aibom, and only the small dependency
// files syft asks for are ever opened.
type resolver struct {
	paths []string        // "/"-rooted paths, sorted
	abs   map[string]File // "/"-rooted path -> the file
}

func newResolver(files []File) *resolver {
	r := &resolver{abs: make(map[string]File, len(files))}
	for _, f := range files {
		p := "/" + strings.TrimPrefix(f.Path, "/")
		if _, dup := r.abs[p]; dup {
			continue
		}
		r.abs[p] = f
		r.paths = append(r.paths, p)
	}
	sort.Strings(r.paths)
	return r
}

type limitedFile struct {
	io.Reader
	f io.Closer
}

func (l limitedFile) Close() error { return l.f.Close() }

// FileContentsByLocation opens a listed file. A file over maxManifest is
// refused: no dependency manifest is that large, and a cataloger must not
// read a weight file that a glob happened to match.
func (r *resolver) FileContentsByLocation(l file.Location) (io.ReadCloser, error) {
	lf, ok := r.abs[l.RealPath]
	if !ok {
		return nil, fmt.Errorf("%s: not in the source", l.RealPath)
	}
	if lf.Size > maxManifest {
		return nil, fmt.Errorf("%s: %d bytes is too large for a dependency manifest (limit %d)", l.RealPath, lf.Size, maxManifest)
	}
	f, err := lf.Open()
	if err != nil {
		return nil, err
	}
	return limitedFile{Reader: io.LimitReader(f, maxManifest), f: f}, nil
}

func (r *resolver) FileMetadataByLocation(l file.Location) (file.Metadata, error) {
	lf, ok := r.abs[l.RealPath]
	if !ok {
		return file.Metadata{}, fmt.Errorf("%s: not in the source", l.RealPath)
	}
	return file.Metadata{FileInfo: fileInfo{name: path.Base(lf.Path), size: lf.Size}, Path: l.RealPath}, nil
}

func (r *resolver) HasPath(p string) bool {
	_, ok := r.abs[p]
	return ok
}

func (r *resolver) FilesByPath(paths ...string) ([]file.Location, error) {
	var out []file.Location
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		p = path.Clean(p)
		if _, ok := r.abs[p]; ok {
			out = append(out, file.NewLocation(p))
		}
	}
	return out, nil
}

func (r *resolver) FilesByGlob(patterns ...string) ([]file.Location, error) {
	var out []file.Location
	seen := map[string]bool{}
	for _, pat := range patterns {
		if !strings.HasPrefix(pat, "/") && !strings.HasPrefix(pat, "**") {
			pat = "/" + pat
		}
		if !doublestar.ValidatePattern(pat) {
			return nil, fmt.Errorf("invalid glob %q", pat)
		}
		for _, p := range r.paths {
			if seen[p] {
				continue
			}
			if ok, _ := doublestar.Match(pat, p); ok {
				seen[p] = true
				out = append(out, file.NewLocation(p))
			}
		}
	}
	return out, nil
}

// FilesByMIMEType finds nothing: answering would mean reading every file,
// and the catalogers aibom runs select by name.
func (r *resolver) FilesByMIMEType(...string) ([]file.Location, error) { return nil, nil }

func (r *resolver) RelativeFileByPath(_ file.Location, p string) *file.Location {
	locs, _ := r.FilesByPath(p)
	if len(locs) == 0 {
		return nil
	}
	return &locs[0]
}

func (r *resolver) AllLocations(ctx context.Context) <-chan file.Location {
	ch := make(chan file.Location)
	go func() {
		defer close(ch)
		for _, p := range r.paths {
			select {
			case ch <- file.NewLocation(p):
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// fileInfo is the os.FileInfo of a listed regular file.
type fileInfo struct {
	name string
	size int64
}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.size }
func (fi fileInfo) Mode() os.FileMode  { return 0o444 }
func (fi fileInfo) ModTime() time.Time { return time.Time{} }
func (fi fileInfo) IsDir() bool        { return false }
func (fi fileInfo) Sys() any           { return nil }
