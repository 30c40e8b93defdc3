// Package source says where the files of a model come from: a directory,
// a single file, or the local Hugging Face cache (a models--org--name
// folder or one of its snapshots, whose files are symbolic links to
// content-addressed blobs). OCI images and model artifacts will be further
// implementations of Source.
package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kind names how a Source was found.
type Kind string

// Kinds of Source.
const (
	Directory        Kind = "directory"
	SingleFile       Kind = "file"
	HuggingFaceCache Kind = "huggingface-cache"
)

// File is one regular file of a source.
type File struct {
	// Path is relative to the source root, with / separators.
	Path string
	// Abs is the path to open (for cache snapshots, the link; opening it
	// reads the blob).
	Abs string
	// Size is the size of the content in bytes.
	Size int64
}

// Problem is a file that could not be listed (a dangling link, an
// unreadable directory); the rest of the source is still usable.
type Problem struct {
	Path string
	Err  error
}

// Source is a set of files that make up a model.
type Source struct {
	Kind Kind
	// Root is the folder the paths are relative to (the file itself for
	// SingleFile).
	Root string
	// Name is the model's name: the repository id ("org/name") for the
	// Hugging Face cache, else the base name of Root.
	Name string
	// Revision is the snapshot's commit for the Hugging Face cache.
	Revision string
	// Files lists the regular files, sorted by Path.
	Files []File
	// Problems lists what could not be listed.
	Problems []Problem
}

// ErrAmbiguous is returned for a Hugging Face hub folder holding several
// models: the caller must name one.
var ErrAmbiguous = errors.New("source: several models; name one")

// Open finds the source at path.
func Open(ctx context.Context, path string) (*Source, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if !st.IsDir() {
		s := &Source{Kind: SingleFile, Root: path, Name: filepath.Base(path)}
		s.Files = []File{{Path: filepath.Base(path), Abs: path, Size: st.Size()}}
		return s, nil
	}
	if repo, snap, rev, ok, err := huggingFace(path); err != nil {
		return nil, err
	} else if ok {
		s := &Source{Kind: HuggingFaceCache, Root: snap, Name: repo, Revision: rev}
		return s, s.list(ctx)
	}
	s := &Source{Kind: Directory, Root: path, Name: filepath.Base(filepath.Clean(path))}
	if abs, err := filepath.Abs(path); err == nil {
		s.Name = filepath.Base(abs)
	}
	return s, s.list(ctx)
}

// list walks Root. Links to files are followed (their target's size is
// recorded); links to directories are not.
func (s *Source) list(ctx context.Context) error {
	err := filepath.WalkDir(s.Root, func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel := relPath(s.Root, p)
		if err != nil {
			if p == s.Root {
				return err
			}
			s.Problems = append(s.Problems, Problem{Path: rel, Err: err})
			return nil
		}
		if d.IsDir() {
			if d.Name() == ".git" && p != s.Root {
				return filepath.SkipDir
			}
			return nil
		}
		st, err := os.Stat(p)
		switch {
		case err != nil:
			s.Problems = append(s.Problems, Problem{Path: rel, Err: fmt.Errorf("dangling or unreadable link: %w", err)})
		case st.Mode().IsRegular():
			s.Files = append(s.Files, File{Path: rel, Abs: p, Size: st.Size()})
		case st.IsDir():
			s.Problems = append(s.Problems, Problem{Path: rel, Err: errors.New("link to a directory not followed")})
		default:
			s.Problems = append(s.Problems, Problem{Path: rel, Err: fmt.Errorf("not a regular file (%s)", st.Mode().Type())})
		}
		return nil
	})
	sort.Slice(s.Files, func(i, j int) bool { return s.Files[i].Path < s.Files[j].Path })
	if err != nil {
		return fmt.Errorf("source: listing %s: %w", s.Root, err)
	}
	return nil
}

func relPath(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// huggingFace recognises a cache folder models--org--name, one of its
// snapshots/<rev> folders, or a hub folder holding exactly one model. It
// returns the repository id, the snapshot folder and its revision.
func huggingFace(path string) (repo, snapshot, rev string, ok bool, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", "", "", false, nil
	}
	base := filepath.Base(abs)
	parent := filepath.Dir(abs)
	switch {
	case filepath.Base(parent) == "snapshots" && strings.HasPrefix(filepath.Base(filepath.Dir(parent)), "models--"):
		return repoID(filepath.Base(filepath.Dir(parent))), abs, base, true, nil
	case strings.HasPrefix(base, "models--") && isDir(filepath.Join(abs, "snapshots")):
		snap, rev, err := pickSnapshot(abs)
		if err != nil {
			return "", "", "", false, err
		}
		return repoID(base), snap, rev, true, nil
	}
	models, _ := filepath.Glob(filepath.Join(abs, "models--*"))
	switch {
	case len(models) == 1 && isDir(filepath.Join(models[0], "snapshots")):
		snap, rev, err := pickSnapshot(models[0])
		if err != nil {
			return "", "", "", false, err
		}
		return repoID(filepath.Base(models[0])), snap, rev, true, nil
	case len(models) > 1:
		var names []string
		for _, m := range models {
			names = append(names, filepath.Base(m))
		}
		return "", "", "", false, fmt.Errorf("%w: %s holds %s", ErrAmbiguous, path, strings.Join(names, ", "))
	}
	return "", "", "", false, nil
}

// pickSnapshot chooses the snapshot that refs/main names, else the only
// snapshot there is.
func pickSnapshot(model string) (string, string, error) {
	if b, err := os.ReadFile(filepath.Join(model, "refs", "main")); err == nil {
		rev := strings.TrimSpace(string(b))
		if rev != "" && !strings.ContainsAny(rev, `/\`) && rev != "." && rev != ".." && isDir(filepath.Join(model, "snapshots", rev)) {
			return filepath.Join(model, "snapshots", rev), rev, nil
		}
	}
	entries, err := os.ReadDir(filepath.Join(model, "snapshots"))
	if err != nil {
		return "", "", fmt.Errorf("source: %w", err)
	}
	var snaps []string
	for _, e := range entries {
		if e.IsDir() {
			snaps = append(snaps, e.Name())
		}
	}
	if len(snaps) != 1 {
		return "", "", fmt.Errorf("%w: %s has %d snapshots and no usable refs/main; pass snapshots/<revision>", ErrAmbiguous, model, len(snaps))
	}
	return filepath.Join(model, "snapshots", snaps[0]), snaps[0], nil
}

// repoID turns "models--org--name" into "org/name".
func repoID(folder string) string {
	return strings.ReplaceAll(strings.TrimPrefix(folder, "models--"), "--", "/")
}

func isDir(p string) bool {
	st, err := os.Stat(p) //nolint:gosec // the path is under the source the user named
	return err == nil && st.IsDir()
}
