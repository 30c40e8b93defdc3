// Package source is the only way aibom lists and opens the files of a model,
// wherever they are: a directory, a single file, the local Hugging Face
// cache, and (in package oci) OCI image layouts, tarballs and registries.
// `aibom scan` and `aibom generate` both read a Source, so they see the same
// files with the same problems.
//
// # The contract
//
// A Source is walked: Walk calls a WalkFunc once per file, or once per
// path that could not be listed (a problem). An Entry has a path (relative
// to the source root, with / separators), a size, a digest when the source
// knows it up front ("sha256:<hex>": an OCI blob; "" for local files) and a
// way to read its bytes. Two kinds of entries exist, so that sources which
// are not local folders fit without copies:
//
//   - Random-access entries also implement RandomAccess: OpenAt returns an
//     io.ReaderAt that may be read concurrently, in any order, any number of
//     times, during or after the walk (a local file; an OCI layer that is a
//     raw blob, read with HTTP range requests so that a safetensors or GGUF
//     header costs a few kilobytes).
//   - Streamed entries (members of a tar layer, read once in stream order)
//     implement only Open. Open may be called only inside the WalkFunc that
//     received the entry, at most once; the reader is invalid once the
//     WalkFunc returns. An entry that is not opened is skipped by the source
//     without being buffered (the stream is discarded up to the next member).
//     A consumer that needs random access spools the stream: OpenReaderAt
//     does that with the spool limits in one place.
//
// Walk visits entries in the source's order: sorted by path for local
// sources, stream order for a tar layer. It returns an error only when the
// source as a whole cannot be read; a file that cannot be listed is passed to
// the WalkFunc as a problem and the walk goes on.
//
// # What a local source lists
//
// One walker, one rule set, for directories, single files and the Hugging
// Face cache:
//   - the root given by the caller is followed when it is a symbolic link;
//   - directories named .git below the root are skipped (they hold the
//     repository's history, not the model);
//   - a symbolic link inside the source is read only when its target lies
//     inside the source root and is a regular file; the Hugging Face cache's
//     links into its own blobs/ folder are the one exception, checked by
//     path. A link that leaves the source, a dangling link, a link to a
//     directory, a non-regular file (FIFO, device, socket) and an unreadable
//     directory (ErrUnreadable) are problems recorded against their path.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// Kind names what kind of place a Source reads.
type Kind string

// Kinds of local Source. Other packages add their own (OCI layouts,
// registries).
const (
	Directory        Kind = "directory"
	SingleFile       Kind = "file"
	HuggingFaceCache Kind = "huggingface-cache"
)

// Info describes a Source.
type Info struct {
	Kind Kind
	// Root is where the source is, as given by the caller (a path, a
	// reference); for messages.
	Root string
	// Name is the model's name: the repository id ("org/name") for the
	// Hugging Face cache, else the base name of the root.
	Name string
	// Revision is the snapshot's commit (Hugging Face cache) or the
	// artifact's digest; empty when unknown.
	Revision string
}

// Source is a set of files that make up a model.
type Source interface {
	// Info describes the source.
	Info() Info
	// Walk calls fn once per entry or problem, in the source's order (see
	// the package documentation). It stops with fn's error when fn returns
	// one, and with ctx's error when ctx ends.
	Walk(ctx context.Context, fn WalkFunc) error
}

// WalkFunc receives one entry of a Source. problem is not nil when the path
// could not be listed or is not read (a dangling link, a link leaving the
// source, an unreadable directory); e then has only a Path, and opening it
// fails with problem.
type WalkFunc func(e Entry, problem error) error

// Entry is one file of a Source.
type Entry interface {
	// Path is relative to the source root, with / separators.
	Path() string
	// Size is the content's size in bytes.
	Size() int64
	// Digest is "sha256:<hex>" when the source knows the content's digest
	// before reading it, else "".
	Digest() string
	// Open returns the content as a stream. For an entry that is not
	// RandomAccess it may be called only inside the WalkFunc, once.
	Open(ctx context.Context) (io.ReadCloser, error)
}

// RandomAccess is implemented by entries whose content can be read at any
// offset, concurrently, any number of times, also after the walk.
type RandomAccess interface {
	OpenAt(ctx context.Context) (ReaderAt, error)
}

// ReaderAt reads an entry's content at random. Close releases it.
type ReaderAt interface {
	io.ReaderAt
	io.Closer
}

// Problem is a path that could not be listed or read; the rest of the
// source is still usable.
type Problem struct {
	Path string
	Err  error
}

// Sentinel errors of the local sources; test with errors.Is.
var (
	// ErrAmbiguous is returned for a Hugging Face hub folder holding several
	// models: the caller must name one.
	ErrAmbiguous = errors.New("source: several models; name one")
	// ErrLeavesSource marks a symbolic link whose target lies outside the
	// source: it is not read.
	ErrLeavesSource = errors.New("symbolic link leaves the source; not read")
	// ErrDangling marks a symbolic link whose target does not exist or
	// cannot be resolved.
	ErrDangling = errors.New("dangling or unreadable symbolic link")
	// ErrNotRegular marks a path that is not a regular file (a directory
	// reached through a link, a FIFO, a device, a socket).
	ErrNotRegular = errors.New("not a regular file")
	// ErrUnreadable marks a path that exists but could not be listed or
	// examined (an unreadable directory, a file whose status cannot be
	// read): unlike the problems above, something there could not be
	// checked, so a scan fails on it (verdict invalid).
	ErrUnreadable = errors.New("cannot be read")
	// ErrStreamed is returned by Open of a streamed entry called outside
	// its WalkFunc or twice.
	ErrStreamed = errors.New("source: streamed entry opened outside its walk")
)

// SpoolLimits bound how much of a streamed entry ReaderAt keeps: 1 MiB in
// memory, then a temporary file, 4 GiB at most. The one place the spool
// limit of aibom is set.
func SpoolLimits() safeio.SpoolLimits { return safeio.DefaultSpoolLimits() }

// OpenReaderAt returns random access to e's content: OpenAt when e is
// RandomAccess, else the stream spooled within lim (so, for a streamed
// entry, only inside its WalkFunc). On a spool error the bytes spooled so
// far are returned with the error: a loader may have acted on them.
func OpenReaderAt(ctx context.Context, e Entry, lim safeio.SpoolLimits) (ReaderAt, error) {
	if ra, ok := e.(RandomAccess); ok {
		return ra.OpenAt(ctx)
	}
	rc, err := e.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sp, err := safeio.Spool(ctx, rc, lim)
	return sp, err
}

// File is an Entry as listed by List, with its path and size as fields,
// for code that keeps lists of files.
type File struct {
	Path  string
	Size  int64
	Entry Entry
}

// ReaderAt opens the file for random access (see OpenReaderAt).
func (f File) ReaderAt(ctx context.Context) (ReaderAt, error) {
	return OpenReaderAt(ctx, f.Entry, SpoolLimits())
}

// List walks a source and returns its files and problems, sorted by path.
// It is meant for sources whose entries are RandomAccess; streamed entries
// are listed but cannot be opened afterwards.
func List(ctx context.Context, src Source) ([]File, []Problem, error) {
	var files []File
	var problems []Problem
	err := src.Walk(ctx, func(e Entry, problem error) error {
		if problem != nil {
			problems = append(problems, Problem{Path: e.Path(), Err: problem})
			return nil
		}
		files = append(files, File{Path: e.Path(), Size: e.Size(), Entry: e})
		return nil
	})
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	if err != nil {
		return files, problems, fmt.Errorf("source: listing %s: %w", src.Info().Root, err)
	}
	return files, problems, nil
}
