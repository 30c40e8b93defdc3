package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// acceptManifests is the Accept header of manifest requests.
var acceptManifests = strings.Join([]string{OCIManifest, OCIIndex, DockerManifest, DockerIndex}, ", ")

// remoteStore reads one repository of a registry over HTTP, through
// go-containerregistry's authenticating transport.
type remoteStore struct {
	ref    name.Reference
	client *http.Client
	base   string // scheme://host/v2/repo
}

func newRemoteStore(ctx context.Context, reg Registry, ref name.Reference) (*remoteStore, error) {
	repo := ref.Context()
	auth, err := authn.Resolve(ctx, reg.keychain(), repo)
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", repo, err)
	}
	rt, err := reg.authTransport(ctx, repo, auth)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", repo.RegistryStr(), err)
	}
	return &remoteStore{
		ref:    ref,
		client: &http.Client{Transport: rt},
		base:   fmt.Sprintf("%s://%s/v2/%s", repo.Scheme(), repo.RegistryStr(), repo.RepositoryStr()),
	}, nil
}

func (s *remoteStore) get(ctx context.Context, url string, hdr map[string]string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent {
		return resp, nil
	}
	defer resp.Body.Close()
	err = transport.CheckError(resp, http.StatusOK)
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotFound, url, err)
	}
	return nil, fmt.Errorf("GET %s: %w", url, err)
}

// root fetches the manifest the reference names, once. Its digest is
// computed from the bytes received (and must match a digest reference).
func (s *remoteStore) root(ctx context.Context, limit int64) ([]byte, string, error) {
	return s.getManifest(ctx, s.ref.Identifier(), limit)
}

func (s *remoteStore) manifest(ctx context.Context, d v1.Descriptor, limit int64) ([]byte, error) {
	if d.Size > limit {
		return nil, fmt.Errorf("manifest %s: %d bytes: %w (%d)", d.Digest, d.Size, ErrTooLarge, limit)
	}
	b, _, err := s.getManifest(ctx, d.Digest.String(), limit)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) != d.Size {
		return nil, fmt.Errorf("manifest %s: %d bytes, descriptor says %d: %w", d.Digest, len(b), d.Size, ErrSizeMismatch)
	}
	return b, nil
}

func (s *remoteStore) getManifest(ctx context.Context, id string, limit int64) ([]byte, string, error) {
	resp, err := s.get(ctx, s.base+"/manifests/"+id, map[string]string{"Accept": acceptManifests})
	if err != nil {
		return nil, "", fmt.Errorf("manifest %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		return nil, "", fmt.Errorf("manifest %s: %d bytes: %w (%d)", id, resp.ContentLength, ErrTooLarge, limit)
	}
	b, err := safeio.ReadAll(resp.Body, limit)
	if err != nil {
		if errors.Is(err, safeio.ErrTooLarge) {
			err = fmt.Errorf("%w (%d)", ErrTooLarge, limit)
		}
		return nil, "", fmt.Errorf("manifest %s: %w", id, err)
	}
	if d, err := v1.NewHash(id); err == nil {
		if err := checkDigest(d, b); err != nil {
			return nil, "", fmt.Errorf("manifest: %w", err)
		}
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return b, mt, nil
}

func (s *remoteStore) blobURL(d v1.Hash) string { return s.base + "/blobs/" + d.String() }

func (s *remoteStore) blob(ctx context.Context, d v1.Hash, size int64) (io.ReadCloser, error) {
	resp, err := s.get(ctx, s.blobURL(d), nil)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength >= 0 && resp.ContentLength != size {
		resp.Body.Close()
		return nil, fmt.Errorf("blob %s: registry sends %d bytes, descriptor says %d: %w", d, resp.ContentLength, size, ErrSizeMismatch)
	}
	return resp.Body, nil
}

func (s *remoteStore) blobAt(ctx context.Context, d v1.Hash, size int64) (io.ReaderAt, error) {
	return &rangeReader{ctx: ctx, s: s, url: s.blobURL(d), digest: d, size: size}, nil
}

func (s *remoteStore) close() error { return nil }
