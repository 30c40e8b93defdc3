package oci

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/zstd"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// copyBufferSize is the buffer of the copy loops that hash what they move
// (pull: socket -> hash -> file; push's hash pass: file -> hash). Each
// chunk is read into the buffer, hashed, then written, so the buffer
// should stay in the core's L2 cache between the three: with 1 MiB
// buffers, four parallel layers spent about twice as long in the
// kernel's copies (pull of 1 GiB on a 2-core EPYC with 512 KiB of L2 per
// core, medians of 7 interleaved runs: 1.59 s -> 0.81 s of system time;
// oras pull 0.96 s), while smaller buffers than this only add system calls.
const copyBufferSize = 128 << 10

// verifyReader passes a blob through, counting and hashing it. It refuses
// a byte past the expected size, and at the end returns ErrSizeMismatch or
// ErrDigestMismatch instead of io.EOF when the blob is not what its
// descriptor says.
type verifyReader struct {
	r      io.Reader
	h      hash.Hash
	digest v1.Hash
	size   int64
	n      int64
	done   bool
}

func newVerifyReader(r io.Reader, d v1.Hash, size int64) *verifyReader {
	return &verifyReader{r: r, h: sha256.New(), digest: d, size: size}
}

func (v *verifyReader) Read(p []byte) (int, error) {
	if v.done {
		return 0, io.EOF
	}
	if rest := v.size - v.n + 1; int64(len(p)) > rest {
		p = p[:rest] // one byte past the size is enough to notice it
	}
	n, err := v.r.Read(p)
	v.n += int64(n)
	v.h.Write(p[:n])
	if v.n > v.size {
		return n, fmt.Errorf("%w: more than the %d bytes the descriptor says", ErrSizeMismatch, v.size)
	}
	if errors.Is(err, io.EOF) {
		if cerr := v.check(); cerr != nil {
			return n, cerr
		}
		v.done = true
	}
	return n, err
}

func (v *verifyReader) check() error {
	if v.n != v.size {
		return fmt.Errorf("%w: %d bytes, the descriptor says %d", ErrSizeMismatch, v.n, v.size)
	}
	if got := hex.EncodeToString(v.h.Sum(nil)); got != v.digest.Hex {
		return fmt.Errorf("%w: bytes hash to sha256:%s", ErrDigestMismatch, got)
	}
	return nil
}

// drain reads the rest of the blob, so that its digest is checked.
func (v *verifyReader) drain() error {
	_, err := io.Copy(io.Discard, v)
	return err
}

// ReadLayer streams layer l whole, verifying its size and digest as it
// goes: the last Read returns a *LayerError wrapping ErrDigestMismatch or
// ErrSizeMismatch instead of io.EOF when the bytes are not the layer's.
func (a *Artifact) ReadLayer(ctx context.Context, l Layer) (io.ReadCloser, error) {
	rc, err := a.st.blob(ctx, l.Digest, l.Size)
	if err != nil {
		return nil, &LayerError{Index: l.Index, Digest: l.Digest, Err: err}
	}
	return &layerReader{v: newVerifyReader(rc, l.Digest, l.Size), c: rc, l: l}, nil
}

type layerReader struct {
	v *verifyReader
	c io.Closer
	l Layer
}

func (r *layerReader) Read(p []byte) (int, error) {
	n, err := r.v.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = &LayerError{Index: r.l.Index, Digest: r.l.Digest, Err: err}
	}
	return n, err
}

func (r *layerReader) Close() error { return r.c.Close() }

// VerifyLayer reads layer l whole and checks its size and digest.
func (a *Artifact) VerifyLayer(ctx context.Context, l Layer) error {
	rc, err := a.ReadLayer(ctx, l)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, ctxReader{ctx, rc})
	return err
}

// memberFunc receives one tar header and the member's bytes, valid until
// it returns. Bytes it leaves unread are skipped, not buffered.
type memberFunc func(h *tar.Header, r io.Reader) error

// streamTar streams the members of tar layer l in order, decompressing as
// it goes, bounding header counts and decompressed bytes, and checking the
// layer's size and digest at the end (the whole layer is read, even past
// the tar's end). When the tar is unreadable and the digest is also wrong,
// the digest mismatch is reported: it is the cause.
func (a *Artifact) streamTar(ctx context.Context, l Layer, fn memberFunc) error {
	rc, err := a.st.blob(ctx, l.Digest, l.Size)
	if err != nil {
		return &LayerError{Index: l.Index, Digest: l.Digest, Err: err}
	}
	defer rc.Close()
	v := newVerifyReader(ctxReader{ctx, rc}, l.Digest, l.Size)
	member, err := a.members(l, v, fn)
	if err != nil {
		var ce callbackError
		var le *LayerError
		if errors.As(err, &ce) && (errors.As(ce.err, &le) || (!errors.Is(ce.err, ErrDigestMismatch) && !errors.Is(ce.err, ErrSizeMismatch))) {
			return ce.err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if derr := v.drain(); derr != nil {
			err = derr
		}
		return &LayerError{Index: l.Index, Digest: l.Digest, Member: member, Err: err}
	}
	if err := v.drain(); err != nil {
		return &LayerError{Index: l.Index, Digest: l.Digest, Err: err}
	}
	return nil
}

// members decompresses v and calls fn for each tar member. It returns the
// name of the member being read when an error happened.
func (a *Artifact) members(l Layer, v *verifyReader, fn memberFunc) (string, error) {
	var r io.Reader = bufio.NewReaderSize(v, 1<<16)
	switch l.Packing {
	case TarGzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return "", fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	case TarZstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(1<<27))
		if err != nil {
			return "", fmt.Errorf("zstd: %w", err)
		}
		defer zr.Close()
		r = zr
	case Tar, Raw:
	}
	if l.Packing != Tar {
		r = safeio.NewGuard(r, nil, safeio.BombLimits{MaxSize: a.lim.MaxDecompressed})
	}
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("tar header %d: %w", n, err)
		}
		if n >= a.lim.MaxTarEntries {
			return h.Name, fmt.Errorf("more than %d tar entries: %w", a.lim.MaxTarEntries, ErrTooLarge)
		}
		if err := fn(h, tr); err != nil {
			return h.Name, callbackError{err}
		}
	}
}

// callbackError carries an error returned by a memberFunc unchanged.
type callbackError struct{ err error }

func (c callbackError) Error() string { return c.err.Error() }
