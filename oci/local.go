package oci

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// files opens the members of a local store: a folder or an uncompressed
// tar file read in place.
type files interface {
	open(name string) (*io.SectionReader, error)
	close() error
}

// layoutStore reads an OCI image layout (index.json, blobs/ALG/HEX), in a
// folder or inside a tarball.
type layoutStore struct {
	fs   files
	desc string // the folder or tarball, for errors
}

func (s *layoutStore) root(_ context.Context, limit int64) ([]byte, string, error) {
	r, err := s.fs.open("index.json")
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", s.desc, err)
	}
	if r.Size() > limit {
		return nil, "", fmt.Errorf("%s: index.json: %d bytes: %w (%d)", s.desc, r.Size(), ErrTooLarge, limit)
	}
	b, err := safeio.ReadAll(r, limit)
	if err != nil {
		return nil, "", fmt.Errorf("%s: index.json: %w", s.desc, err)
	}
	return b, OCIIndex, nil
}

func (s *layoutStore) manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	return readVerified(ctx, s, d, limit, "manifest")
}

func (s *layoutStore) section(d v1.Hash, size int64) (*io.SectionReader, error) {
	if !validHash(d) {
		return nil, fmt.Errorf("%s: blob %q: %w digest", s.desc, d, ErrUnsupported)
	}
	r, err := s.fs.open(path.Join("blobs", d.Algorithm, d.Hex))
	if err != nil {
		return nil, fmt.Errorf("%s: blob %s: %w", s.desc, d, err)
	}
	if r.Size() != size {
		return nil, fmt.Errorf("%s: blob %s is %d bytes, descriptor says %d: %w", s.desc, d, r.Size(), size, ErrSizeMismatch)
	}
	return r, nil
}

func (s *layoutStore) blob(_ context.Context, d v1.Hash, size int64) (io.ReadCloser, error) {
	r, err := s.section(d, size)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(r), nil
}

func (s *layoutStore) blobAt(_ context.Context, d v1.Hash, size int64) (io.ReaderAt, error) {
	return s.section(d, size)
}

func (s *layoutStore) close() error { return s.fs.close() }

// validHash accepts sha256 digests of 64 lowercase hex digits only, so that
// a digest never names a path outside blobs/.
func validHash(d v1.Hash) bool {
	if d.Algorithm != "sha256" || len(d.Hex) != 64 {
		return false
	}
	for _, c := range d.Hex {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// dirFiles opens files of a folder, keeping them open until close.
type dirFiles struct {
	dir    string
	mu     sync.Mutex
	opened []*os.File
}

func (d *dirFiles) open(name string) (*io.SectionReader, error) {
	f, err := os.Open(filepath.Join(d.dir, filepath.FromSlash(name)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	d.mu.Lock()
	d.opened = append(d.opened, f)
	d.mu.Unlock()
	return io.NewSectionReader(f, 0, st.Size()), nil
}

func (d *dirFiles) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for _, f := range d.opened {
		errs = append(errs, f.Close())
	}
	d.opened = nil
	return errors.Join(errs...)
}

// tarFiles reads the members of an uncompressed tar in place: one pass
// over its headers records where each regular member's bytes lie.
type tarFiles struct {
	f       *os.File
	members map[string]*io.SectionReader
}

func openTarFiles(p string, maxEntries int) (*tarFiles, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	t := &tarFiles{f: f, members: map[string]*io.SectionReader{}}
	tr := tar.NewReader(f) // f seeks: member data is skipped, not read
	for n := 0; ; n++ {
		if n >= maxEntries {
			f.Close()
			return nil, fmt.Errorf("%s: more than %d members: %w", p, maxEntries, ErrTooLarge)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		off, serr := f.Seek(0, io.SeekCurrent)
		if err != nil || serr != nil {
			f.Close()
			return nil, fmt.Errorf("%s: tar header before offset %d: %w", p, off, errors.Join(err, serr))
		}
		if h.Typeflag == tar.TypeReg {
			// archive/tar reads whole 512-byte blocks and no further:
			// the member's data starts at the current offset.
			t.members[path.Clean(h.Name)] = io.NewSectionReader(f, off, h.Size)
		}
	}
}

func (t *tarFiles) open(name string) (*io.SectionReader, error) {
	r, ok := t.members[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	return io.NewSectionReader(r, 0, r.Size()), nil
}

func (t *tarFiles) close() error { return t.f.Close() }
