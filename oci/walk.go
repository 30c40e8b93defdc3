package oci

import (
	"archive/tar"
	"context"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// File is one file of an artifact.
type File struct {
	// Path is the file's path in the model, clean, relative, with /
	// separators: a raw layer's filepath or title annotation, a tar
	// member's name (under the layer's filepath annotation for ModelPack
	// tar layers that carry one).
	Path string
	// Size is the file's size in bytes.
	Size int64
	// MediaType is the media type of the layer the file came from.
	MediaType string
	// Layer is the digest of the layer the file came from, LayerIndex its
	// position in the manifest.
	Layer      v1.Hash
	LayerIndex int
	// Digest is the file's SHA-256 when known without reading it: a raw
	// layer's digest is its file's digest. Zero for tar members.
	Digest v1.Hash
	// Shadowed is set, in container images only, for a file that a later
	// layer replaces or deletes (whiteout): it is still in the image's
	// bytes, so it is listed, but it is not in the running filesystem.
	Shadowed bool
}

// Entry is a File and the way to read it: exactly one of At and R is set.
type Entry struct {
	File
	// At reads a raw layer at random, valid until the callback returns
	// (Artifact.OpenLayer gives one that lasts): from a registry with HTTP
	// Range requests, sequential reads served by one response to the end
	// (a registry that ignores Range is read from the start once).
	// Bytes read through At are NOT verified: a caller that reads the
	// whole file must compare its SHA-256 with File.Digest (aibom's
	// scanner computes it anyway), or call Artifact.VerifyLayer.
	At io.ReaderAt
	// R streams a tar member, valid only until the callback returns;
	// what the callback leaves unread is skipped, not buffered. The layer's
	// size and digest are checked as it streams: Walk returns a
	// *LayerError when they are wrong, after the layer's members have been
	// passed to the callback, so a caller must discard what it made of
	// them.
	R io.Reader
}

// WalkFunc receives each file; returning an error stops the walk.
type WalkFunc func(ctx context.Context, e Entry) error

// Walk calls fn for every regular file of the artifact, never unpacking to
// disk. Raw layers come as one Entry with At; tar layers (tar, tar+gzip,
// tar+zstd) are streamed, one Entry per regular member, in stream order.
// Links and directories in tars are not listed (links are never followed).
//
// Model artifacts are walked in manifest order. Container images are
// walked from the top layer down, so that each file can be marked
// Shadowed when a layer above replaced it or deleted it with a whiteout
// (".wh.NAME", or ".wh..wh..opq" for a whole folder); whiteout markers are
// not listed.
func (a *Artifact) Walk(ctx context.Context, fn WalkFunc) error {
	if a.Kind == Image {
		return a.walkImage(ctx, fn)
	}
	for _, l := range a.Layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := a.walkLayer(ctx, l, nil, fn); err != nil {
			return err
		}
	}
	return nil
}

// OpenLayer gives random access to raw layer l (unverified; see Entry.At).
// When the reader is also an io.Closer, the caller closes it.
func (a *Artifact) OpenLayer(ctx context.Context, l Layer) (io.ReaderAt, error) {
	r, err := a.st.blobAt(ctx, l.Digest, l.Size)
	if err != nil {
		return nil, &LayerError{Index: l.Index, Digest: l.Digest, Err: err}
	}
	return r, nil
}

func (a *Artifact) walkLayer(ctx context.Context, l Layer, img *overlay, fn WalkFunc) error {
	f := File{MediaType: l.MediaType, Layer: l.Digest, LayerIndex: l.Index}
	if l.Packing == Raw {
		p, err := cleanPath(l.Path)
		if err != nil {
			return &LayerError{Index: l.Index, Digest: l.Digest, Err: err}
		}
		f.Path, f.Size, f.Digest = p, l.Size, l.Digest
		r, err := a.OpenLayer(ctx, l)
		if err != nil {
			return err
		}
		err = fn(ctx, Entry{File: f, At: r})
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
		return err
	}
	prefix := ""
	if a.Kind == ModelPack && l.Annotations[AnnotationFilepath] != "" {
		prefix = l.Annotations[AnnotationFilepath]
	}
	return a.streamTar(ctx, l, func(h *tar.Header, r io.Reader) error {
		name, err := cleanPath(h.Name)
		if err != nil {
			return err
		}
		if img != nil {
			shadowed, skip := img.see(name, h.Typeflag == tar.TypeDir)
			if skip {
				return nil
			}
			f.Shadowed = shadowed
		}
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		f.Path, f.Size = joinPrefix(prefix, name), h.Size
		return fn(ctx, Entry{File: f, R: r})
	})
}

// joinPrefix puts a tar member under the folder a ModelPack layer names,
// unless the member's name already starts with it (modctl writes member
// names relative to the model root).
func joinPrefix(prefix, name string) string {
	if prefix == "" || prefix == "." {
		return name
	}
	p, err := cleanPath(prefix)
	switch {
	case err != nil || name == p || strings.HasPrefix(name, p+"/"):
		return name
	case name == path.Base(p):
		return p // a one-file tar whose annotation names the file
	}
	return path.Join(p, name)
}

func (a *Artifact) walkImage(ctx context.Context, fn WalkFunc) error {
	ov := &overlay{above: map[string]bool{}}
	for i := len(a.Layers) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return err
		}
		ov.startLayer()
		if err := a.walkLayer(ctx, a.Layers[i], ov, fn); err != nil {
			return err
		}
	}
	return nil
}

// overlay tracks, walking image layers from the top down, the paths that
// layers above have written or deleted.
type overlay struct {
	above   map[string]bool // path -> written (false: deleted) by a layer above
	opaque  []string        // folders a layer above made opaque
	current []string        // paths seen in the current layer
	curOpq  []string
}

func (o *overlay) startLayer() {
	for _, p := range o.current {
		if _, ok := o.above[p]; !ok {
			o.above[p] = true
		}
	}
	o.opaque = append(o.opaque, o.curOpq...)
	o.current, o.curOpq = o.current[:0], o.curOpq[:0]
}

// see records p from the current layer and tells whether a layer above
// hides it, and whether p is a whiteout marker (not a file).
func (o *overlay) see(p string, dir bool) (shadowed, marker bool) {
	dirName, base := path.Split(p)
	dirName = strings.TrimSuffix(dirName, "/")
	if base == ".wh..wh..opq" {
		o.curOpq = append(o.curOpq, dirName)
		return false, true
	}
	if deleted, ok := strings.CutPrefix(base, ".wh."); ok {
		o.above[path.Join(dirName, deleted)] = false
		return false, true
	}
	if !dir {
		o.current = append(o.current, p)
	}
	return o.hidden(p), false
}

func (o *overlay) hidden(p string) bool {
	if _, ok := o.above[p]; ok {
		return true
	}
	for q := path.Dir(p); q != "." && q != "/"; q = path.Dir(q) {
		if w, ok := o.above[q]; ok && !w {
			return true
		}
	}
	for _, d := range o.opaque {
		if d == "" || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// Files lists the artifact's files (as Walk does, reading no member's
// content but streaming every tar layer to check its digest).
func (a *Artifact) Files(ctx context.Context) ([]File, error) {
	var out []File
	err := a.Walk(ctx, func(_ context.Context, e Entry) error {
		out = append(out, e.File)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
