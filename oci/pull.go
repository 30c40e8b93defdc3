package oci

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// PullOption configures Pull.
type PullOption func(*pullOptions)

type pullOptions struct {
	verify func(ctx context.Context, digest v1.Hash) error
	jobs   int
}

// WithVerifier runs verify on the artifact's digest before anything is
// written; an error stops the pull. This is where `aibom pull --key`
// checks signatures and attestations (package verify): the digest is the
// one the artifact was resolved to, and every byte written is then checked
// against it through the manifest's layer digests.
func WithVerifier(verify func(ctx context.Context, digest v1.Hash) error) PullOption {
	return func(o *pullOptions) { o.verify = verify }
}

// WithJobs sets how many layers are downloaded at once (default 4).
func WithJobs(n int) PullOption { return func(o *pullOptions) { o.jobs = n } }

// staged is a file written and verified in the staging folder, waiting to
// be renamed to its path.
type staged struct {
	tmp  string
	path string
	size int64
}

// Pull writes the artifact's files under dir: raw layers to their path,
// tar layers unpacked. Every file is written to a staging folder inside
// dir first, and only once every layer's size and digest have checked out
// are the files renamed into place; on any error nothing is left behind
// but files that were already in dir. Tar members with absolute paths,
// ".." or link types, and paths that go through a link already in dir are
// refused (ErrUnsafePath). Existing files are replaced. It returns the
// files written, sorted as the layers and tar members came. Files are not
// synced to disk (as with oras pull): after a power loss a pulled file may
// be short or empty, never bytes that failed a digest check.
func Pull(ctx context.Context, a *Artifact, dir string, opts ...PullOption) ([]File, error) {
	o := pullOptions{jobs: 4}
	for _, opt := range opts {
		opt(&o)
	}
	if o.verify != nil {
		if err := o.verify(ctx, a.Digest); err != nil {
			return nil, fmt.Errorf("oci: verifying %s: %w", a.Digest, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("oci: %w", err)
	}
	stage, err := os.MkdirTemp(dir, ".aibom-pull-")
	if err != nil {
		return nil, fmt.Errorf("oci: %w", err)
	}
	defer os.RemoveAll(stage)
	results := make([][]staged, len(a.Layers))
	files := make([][]File, len(a.Layers))
	errs := make([]error, len(a.Layers))
	sem := make(chan struct{}, max(1, o.jobs))
	var wg sync.WaitGroup
	for i, l := range a.Layers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], files[i], errs[i] = a.stageLayer(ctx, l, stage)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var all []staged
	var out []File
	for i := range results {
		all = append(all, results[i]...)
		out = append(out, files[i]...)
	}
	if err := place(dir, all); err != nil {
		return nil, err
	}
	return out, nil
}

// stageLayer writes layer l's files into stage, verified.
func (a *Artifact) stageLayer(ctx context.Context, l Layer, stage string) ([]staged, []File, error) {
	f := File{MediaType: l.MediaType, Layer: l.Digest, LayerIndex: l.Index}
	if l.Packing == Raw {
		p, err := cleanPath(l.Path)
		if err != nil {
			return nil, nil, &LayerError{Index: l.Index, Digest: l.Digest, Err: err}
		}
		rc, err := a.ReadLayer(ctx, l)
		if err != nil {
			return nil, nil, err
		}
		defer rc.Close()
		s, err := writeStaged(ctx, stage, rc, make([]byte, copyBufferSize))
		if err != nil {
			return nil, nil, err // a *LayerError when the bytes are wrong
		}
		s.path = p
		f.Path, f.Size, f.Digest = p, l.Size, l.Digest
		return []staged{s}, []File{f}, nil
	}
	prefix := ""
	if a.Kind == ModelPack {
		prefix = l.Annotations[AnnotationFilepath]
	}
	var out []staged
	var list []File
	buf := make([]byte, copyBufferSize) // one for all the members
	err := a.streamTar(ctx, l, func(h *tar.Header, r io.Reader) error {
		name, err := cleanPath(h.Name)
		if err != nil {
			return &LayerError{Index: l.Index, Digest: l.Digest, Member: h.Name, Err: err}
		}
		switch h.Typeflag {
		case tar.TypeDir:
			return nil
		case tar.TypeReg:
		default:
			return &LayerError{Index: l.Index, Digest: l.Digest, Member: h.Name,
				Err: fmt.Errorf("%w: tar entry of type %q (links and devices are not unpacked)", ErrUnsafePath, h.Typeflag)}
		}
		s, err := writeStaged(ctx, stage, r, buf)
		if err != nil {
			return err
		}
		s.path = joinPrefix(prefix, name)
		out = append(out, s)
		list = append(list, File{Path: s.path, Size: s.size, MediaType: l.MediaType, Layer: l.Digest, LayerIndex: l.Index})
		return nil
	})
	if err != nil {
		for _, s := range out {
			os.Remove(s.tmp)
		}
		return nil, nil, err
	}
	return out, list, nil
}

// writeStaged copies r into a new file in stage through buf. Only the
// caller's verifying reader decides whether the file is kept: the file is
// not synced (as with oras pull; the kernel writes it back), so after a
// crash a pulled folder may hold short files, but never a file whose
// bytes failed the digest check.
func writeStaged(ctx context.Context, stage string, r io.Reader, buf []byte) (staged, error) {
	t, err := os.CreateTemp(stage, "f-")
	if err != nil {
		return staged{}, fmt.Errorf("oci: %w", err)
	}
	// writerOnly hides os.File's ReadFrom, whose generic path would copy
	// through a buffer of its own instead of buf.
	n, err := io.CopyBuffer(writerOnly{t}, ctxReader{ctx, r}, buf)
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(t.Name())
		return staged{}, err
	}
	return staged{tmp: t.Name(), size: n}, nil
}

// place renames the staged files into dir, refusing duplicates and paths
// that go through a link.
func place(dir string, files []staged) error {
	seen := map[string]bool{}
	for _, s := range files {
		if seen[s.path] {
			return fmt.Errorf("oci: %s is in the artifact twice", s.path)
		}
		seen[s.path] = true
	}
	for _, s := range files {
		dst := filepath.Join(dir, filepath.FromSlash(s.path))
		if err := safeParents(dir, s.path); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("oci: %w", err)
		}
		if err := os.Chmod(s.tmp, 0o644); err != nil {
			return fmt.Errorf("oci: %w", err)
		}
		if err := os.Rename(s.tmp, dst); err != nil {
			return fmt.Errorf("oci: %w", err)
		}
	}
	return nil
}

// safeParents refuses a path whose existing components under dir are
// links (a link could send the file outside dir) or whose target is a
// folder.
func safeParents(dir, rel string) error {
	parts := strings.Split(rel, "/")
	cur := dir
	for i, p := range parts {
		cur = filepath.Join(cur, p)
		st, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("oci: %w", err)
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%w: %s goes through the link %s", ErrUnsafePath, rel, cur)
		}
		if i == len(parts)-1 && st.IsDir() {
			return fmt.Errorf("oci: %s: a folder is in the way", rel)
		}
	}
	return nil
}

// writerOnly is an io.Writer and nothing else.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }
