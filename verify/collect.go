package verify

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// checker holds one Verify call's state.
type checker struct {
	v     *Verifier
	d     name.Digest
	res   *Result
	ropts []remote.Option // one puller: one ping and token per registry
	// files of the artifact, for model signatures (once per Verify)
	files    map[string]modelFile
	filesErr error
}

// layer is one signature, envelope or bundle found beside the digest.
type layer struct {
	where string // for problems: "sha256-….sig layer 0"
	desc  v1.Descriptor
	repo  name.Repository
}

// collect reads both layouts and checks every layer found.
func (c *checker) collect(ctx context.Context) {
	for _, suffix := range []string{".sig", ".att"} {
		c.collectTag(ctx, tagFor(c.d, suffix))
	}
	c.collectReferrers(ctx)
}

func notFound(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound
}

// collectTag checks the layers of a cosign tag (sha256-<hex>.sig / .att).
func (c *checker) collectTag(ctx context.Context, tag name.Tag) {
	m, err := c.manifest(tag, tag.TagStr())
	if err != nil || m == nil {
		return
	}
	c.layers(ctx, tag.TagStr(), tag.Context(), m, true)
}

// manifest fetches a bounded image manifest; nil when there is none.
func (c *checker) manifest(ref name.Reference, where string) (*v1.Manifest, error) {
	desc, err := remote.Get(ref, c.ropts...)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		c.problem("%s: cannot read: %v", where, err)
		return nil, err
	}
	if int64(len(desc.Manifest)) > c.v.limits.MaxManifestBytes {
		c.problem("%s: manifest of %d bytes is over the limit of %d: not checked", where, len(desc.Manifest), c.v.limits.MaxManifestBytes)
		return nil, ErrTooLarge
	}
	if desc.MediaType.IsIndex() {
		c.problem("%s: is an index, not a signature manifest: not checked", where)
		return nil, errors.New("index")
	}
	m, err := v1.ParseManifest(bytesReader(desc.Manifest))
	if err != nil {
		c.problem("%s: malformed manifest: %v", where, err)
		return nil, err
	}
	return m, nil
}

// layers checks the first Limits.MaxLayers layers of a manifest. In a
// cosign tag every layer must be a signature or an envelope (strict); a
// referrer may be any artifact (an SBOM, a model signature), and layers of
// other media types are left alone.
func (c *checker) layers(ctx context.Context, where string, repo name.Repository, m *v1.Manifest, strict bool) {
	ls := m.Layers
	if len(ls) > c.v.limits.MaxLayers {
		c.problem("%s: %d layers, over the limit of %d: only the first %d checked", where, len(ls), c.v.limits.MaxLayers, c.v.limits.MaxLayers)
		ls = ls[:c.v.limits.MaxLayers]
	}
	for i, l := range ls {
		if ctx.Err() != nil {
			return
		}
		if !strict && !known(string(l.MediaType)) {
			continue
		}
		c.check(ctx, layer{where: where + " layer " + itoa(i), desc: l, repo: repo})
	}
}

// collectReferrers checks the Sigstore bundles (and cosign's OCI 1.1
// signatures and attestations) that refer to the digest, through the
// referrers API or its tag fallback.
func (c *checker) collectReferrers(ctx context.Context) {
	idx, err := remote.Referrers(c.d, c.ropts...)
	if notFound(err) {
		return
	}
	if err != nil {
		c.problem("referrers of %s: cannot read: %v", c.d.DigestStr(), err)
		return
	}
	im, err := idx.IndexManifest()
	if err != nil {
		c.problem("referrers of %s: malformed index: %v", c.d.DigestStr(), err)
		return
	}
	if len(im.Manifests) > c.v.limits.MaxReferrers {
		c.problem("referrers of %s: %d, over the limit of %d: none checked", c.d.DigestStr(), len(im.Manifests), c.v.limits.MaxReferrers)
		return
	}
	for _, desc := range im.Manifests {
		if ctx.Err() != nil {
			return
		}
		// The artifact type in the list is unsigned and unreliable (cosign
		// v2.6's fallback index says application/vnd.oci.empty.v1+json for
		// its bundles): every referrer's manifest is read, and its layers'
		// media types choose the parser.
		where := "referrer " + desc.Digest.String()
		if desc.Size > c.v.limits.MaxManifestBytes {
			c.problem("%s: manifest of %d bytes is over the limit of %d: not checked", where, desc.Size, c.v.limits.MaxManifestBytes)
			continue
		}
		m, err := c.manifest(c.d.Context().Digest(desc.Digest.String()), where)
		if err != nil || m == nil {
			continue
		}
		if m.Subject == nil || m.Subject.Digest.String() != c.d.DigestStr() {
			c.problem("%s: its manifest's subject is not %s: not checked", where, c.d.DigestStr())
			continue
		}
		c.layers(ctx, where, c.d.Context(), m, false)
	}
}

// known reports whether a layer media type is a signature, an envelope or
// a bundle.
func known(mt string) bool {
	switch mt {
	case MediaTypeSimpleSigning, MediaTypeDSSE, PayloadTypeInToto, MediaTypeBundle, mediaTypeBundleAlt, mediaTypeBundleV02:
		return true
	}
	return false
}

// blob reads a layer, bounded by Limits.MaxBlobBytes; go-containerregistry
// checks its digest as it reads.
func (c *checker) blob(l layer) ([]byte, bool) {
	if l.desc.Size > c.v.limits.MaxBlobBytes || l.desc.Size < 0 {
		c.problem("%s: %d bytes, over the limit of %d: not checked", l.where, l.desc.Size, c.v.limits.MaxBlobBytes)
		return nil, false
	}
	rl, err := remote.Layer(l.repo.Digest(l.desc.Digest.String()), c.ropts...)
	if err != nil {
		c.problem("%s: cannot read: %v", l.where, err)
		return nil, false
	}
	rc, err := rl.Compressed()
	if err != nil {
		c.problem("%s: cannot read: %v", l.where, err)
		return nil, false
	}
	defer rc.Close()
	b, err := readBounded(rc, c.v.limits.MaxBlobBytes, l.where)
	if err != nil {
		c.problem("%s: cannot read: %v", l.where, err)
		return nil, false
	}
	if int64(len(b)) != l.desc.Size {
		c.problem("%s: %d bytes, the manifest says %d", l.where, len(b), l.desc.Size)
		return nil, false
	}
	return b, true
}

var _ = types.OCIImageIndex
