package oci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// store is where an artifact's manifests and blobs are read from: a
// registry repository, an OCI layout folder, or a tarball.
type store interface {
	// root returns the top manifest or index (by tag for a registry, from
	// index.json / manifest.json for local stores), read once.
	root(ctx context.Context, limit int64) (raw []byte, mediaType string, err error)
	// manifest reads the manifest or index d (a child of an index),
	// verified against d.
	manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error)
	// blob streams the blob d of the given size; the caller verifies it.
	blob(ctx context.Context, d v1.Hash, size int64) (io.ReadCloser, error)
	// blobAt gives random access to the blob d of the given size.
	blobAt(ctx context.Context, d v1.Hash, size int64) (io.ReaderAt, error)
	close() error
}

// readVerified reads the whole small blob d (manifest, config), refusing
// more than limit bytes, and checks its size and digest.
func readVerified(ctx context.Context, s store, d v1.Descriptor, limit int64, what string) ([]byte, error) {
	if !validHash(d.Digest) {
		return nil, fmt.Errorf("%s digest %q: %w", what, d.Digest, ErrUnsupported)
	}
	if d.Size > limit {
		return nil, fmt.Errorf("%s %s: %d bytes: %w (%d)", what, d.Digest, d.Size, ErrTooLarge, limit)
	}
	if d.Size < 0 {
		return nil, fmt.Errorf("%s %s: negative size %d: %w", what, d.Digest, d.Size, ErrSizeMismatch)
	}
	rc, err := s.blob(ctx, d.Digest, d.Size)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, d.Digest, err)
	}
	defer rc.Close()
	b, err := safeio.ReadAll(rc, d.Size+1)
	if err != nil {
		return nil, fmt.Errorf("reading %s %s: %w", what, d.Digest, err)
	}
	if int64(len(b)) != d.Size {
		return nil, fmt.Errorf("%s %s: %d bytes, descriptor says %d: %w", what, d.Digest, len(b), d.Size, ErrSizeMismatch)
	}
	if err := checkDigest(d.Digest, b); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return b, nil
}

// checkDigest checks that b hashes to d (sha256 only).
func checkDigest(d v1.Hash, b []byte) error {
	if d.Algorithm != "sha256" {
		return fmt.Errorf("%s: %w digest algorithm", d, ErrUnsupported)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != d.Hex {
		return fmt.Errorf("%w: %s has sha256:%s", ErrDigestMismatch, d, got)
	}
	return nil
}

// sha256Of returns the digest of b.
func sha256Of(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}
