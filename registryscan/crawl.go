package registryscan

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/oci"
)

// cosignTag matches cosign's tags and the OCI referrers tag fallback:
// sha256-<hex>, sha256-<hex>.sig, .att, .sbom.
var cosignTag = regexp.MustCompile(`^sha256-([0-9a-f]{64})(\.sig|\.att|\.sbom)?$`)

// Media types and annotations of signatures and BOMs (see package verify).
const (
	mediaTypeBundle       = "application/vnd.dev.sigstore.bundle.v0.3+json"
	annotationPredicate   = "predicateType"
	annotationBundlePred  = "dev.sigstore.bundle.predicateType"
	predicateCosignSign   = "https://sigstore.dev/cosign/sign/v1"
	dockerReferenceType   = "vnd.docker.reference.type"
	dockerAttestationType = "attestation-manifest"
)

// isBOM reports whether a predicate or artifact type names a CycloneDX or
// SPDX document.
func isBOM(t string) bool {
	t = strings.ToLower(t)
	return strings.Contains(t, "cyclonedx") || strings.Contains(t, "spdx")
}

// attached is what is attached to one digest.
type attached struct{ signed, bom bool }

// item is one artifact to scan.
type item struct {
	repo   name.Repository
	digest v1.Hash
	index  string
	tags   []string
	att    attached
}

// ShardOf returns the shard (0 <= i < n) of a repository (see Shard).
func ShardOf(repository string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(repository))
	return int(h.Sum64() % uint64(n)) //nolint:gosec // n >= 1
}

// parseTarget splits HOST[/PREFIX].
func (s *Scanner) parseTarget(target string) (name.Registry, string, error) {
	target = strings.TrimSuffix(strings.TrimPrefix(target, oci.Scheme), "/")
	host, prefix, _ := strings.Cut(target, "/")
	var opts []name.Option
	if s.reg.Insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.NewRegistry(host, opts...)
	if err != nil || host == "" {
		return name.Registry{}, "", fmt.Errorf("%w: target %q is not HOST[/REPOSITORY-PREFIX]", ErrConfig, target)
	}
	return r, prefix, nil
}

// remoteOptions are the options of every registry call: the Scanner's own
// Puller (one ping and token per repository for the whole run, with the
// Scanner's page size and no retries of go-containerregistry's own: the
// transport retries).
func (s *Scanner) remoteOptions(ctx context.Context) []remote.Option {
	return append(pullerOptions(), remote.WithContext(ctx), remote.Reuse(s.puller))
}

// pullerOptions are what the Scanner's Puller is made with, after the
// registry's.
func pullerOptions() []remote.Option {
	return []remote.Option{
		remote.WithRetryStatusCodes(), // the transport retries
		remote.WithRetryPredicate(func(error) bool { return false }),
		remote.WithPageSize(1000),
	}
}

// repositories lists the catalog (all pages), keeps those under prefix
// and in the shard, sorted.
func (s *Scanner) repositories(ctx context.Context, reg name.Registry, prefix string) ([]string, error) {
	all, err := remote.Catalog(ctx, reg, s.remoteOptions(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("catalog of %s: %w", reg.RegistryStr(), err)
	}
	var out []string
	for _, r := range all {
		if prefix != "" && r != prefix && !strings.HasPrefix(r, prefix+"/") {
			continue
		}
		if ShardOf(r, s.shard.N) != s.shard.I {
			continue
		}
		out = append(out, r)
	}
	sort.Strings(out)
	return out, nil
}

// listRepo lists a repository's tags, reads what cosign's tags say about
// which digests are signed or have a BOM, resolves the other tags by HEAD
// (following indexes), and returns the artifacts, one per digest.
func (s *Scanner) listRepo(ctx context.Context, repo name.Repository) ([]item, error) {
	opts := s.remoteOptions(ctx)
	tags, err := remote.List(repo, opts...)
	if err != nil {
		return nil, fmt.Errorf("tags of %s: %w", repo, err)
	}
	sort.Strings(tags)
	att := map[string]attached{}
	byDigest := map[string]*item{}
	var order []string
	add := func(d v1.Hash, tag, index string) {
		it, ok := byDigest[d.String()]
		if !ok {
			it = &item{repo: repo, digest: d, index: index}
			byDigest[d.String()] = it
			order = append(order, d.String())
		}
		if tag != "" && (len(it.tags) == 0 || it.tags[len(it.tags)-1] != tag) {
			it.tags = append(it.tags, tag)
		}
	}
	for _, tag := range tags {
		if m := cosignTag.FindStringSubmatch(tag); m != nil {
			s.cosignTag(ctx, repo, tag, "sha256:"+m[1], m[2], att)
			continue
		}
		if !s.wantTag(tag) {
			continue
		}
		desc, err := remote.Head(repo.Tag(tag), opts...)
		if err != nil {
			return nil, fmt.Errorf("%s:%s: %w", repo, tag, err)
		}
		if !desc.MediaType.IsIndex() {
			add(desc.Digest, tag, "")
			continue
		}
		children, err := s.indexChildren(ctx, repo, desc.Digest)
		if err != nil {
			return nil, fmt.Errorf("%s:%s: %w", repo, tag, err)
		}
		for _, c := range children {
			add(c, tag, desc.Digest.String())
		}
	}
	out := make([]item, 0, len(order))
	for _, d := range order {
		it := byDigest[d]
		it.att = att[d]
		if it.index != "" {
			ia := att[it.index]
			it.att.signed = it.att.signed || ia.signed
			it.att.bom = it.att.bom || ia.bom
		}
		out = append(out, *it)
	}
	return out, nil
}

func (s *Scanner) wantTag(tag string) bool {
	if len(s.tags) == 0 {
		return true
	}
	for _, p := range s.tags {
		if ok, _ := path.Match(p, tag); ok {
			return true
		}
	}
	return false
}

// cosignTag records what a cosign tag says about digest: .sig signs it,
// .sbom attaches an SBOM, .att attestations attach a BOM when a layer's
// (unsigned) predicateType annotation names one. The bare sha256-<hex>
// tag is the referrers fallback, read per artifact (referrers).
func (s *Scanner) cosignTag(ctx context.Context, repo name.Repository, tag, digest, suffix string, att map[string]attached) {
	a := att[digest]
	switch suffix {
	case ".sig":
		a.signed = true
	case ".sbom":
		a.bom = true
	case ".att":
		m, err := s.manifest(ctx, repo.Tag(tag))
		if err == nil {
			for _, l := range m.Layers {
				a.bom = a.bom || isBOM(l.Annotations[annotationPredicate])
			}
		}
	}
	att[digest] = a
}

// manifest reads a small manifest (a signature's, an index).
func (s *Scanner) manifest(ctx context.Context, ref name.Reference) (*v1.Manifest, error) {
	desc, err := remote.Get(ref, s.remoteOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", ref, err)
	}
	return &m, nil
}

// indexChildren lists the manifests of an index (nested indexes followed,
// up to the oci.Limits depth); buildx attestation manifests are not
// artifacts and are left out.
func (s *Scanner) indexChildren(ctx context.Context, repo name.Repository, d v1.Hash) ([]v1.Hash, error) {
	lim := oci.DefaultLimits()
	var out []v1.Hash
	var walk func(d v1.Hash, depth int) error
	walk = func(d v1.Hash, depth int) error {
		if depth > lim.MaxIndexDepth {
			return fmt.Errorf("indexes nested deeper than %d", lim.MaxIndexDepth)
		}
		desc, err := remote.Get(repo.Digest(d.String()), s.remoteOptions(ctx)...)
		if err != nil {
			return err
		}
		if int64(len(desc.Manifest)) > lim.MaxManifestSize {
			return fmt.Errorf("index %s: %w", d, safeio.ErrTooLarge)
		}
		var idx v1.IndexManifest
		if err := json.Unmarshal(desc.Manifest, &idx); err != nil {
			return fmt.Errorf("index %s: %w", d, err)
		}
		if len(idx.Manifests) > lim.MaxIndexEntries {
			return fmt.Errorf("index %s: %d manifests, over %d", d, len(idx.Manifests), lim.MaxIndexEntries)
		}
		for _, c := range idx.Manifests {
			switch {
			case c.MediaType.IsIndex():
				if err := walk(c.Digest, depth+1); err != nil {
					return err
				}
			case c.Annotations[dockerReferenceType] == dockerAttestationType:
				// buildx's attestations of a sibling: not an artifact.
			default:
				out = append(out, c.Digest)
			}
		}
		return nil
	}
	return out, walk(d, 1)
}

// referrers adds what the OCI referrers of d (API or tag fallback) say.
func (s *Scanner) referrers(ctx context.Context, repo name.Repository, d v1.Hash, a attached) attached {
	idx, err := remote.Referrers(repo.Digest(d.String()), s.remoteOptions(ctx)...)
	if err != nil {
		return a
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return a
	}
	for _, r := range im.Manifests {
		pred := r.Annotations[annotationBundlePred]
		switch {
		case pred == predicateCosignSign:
			// A Sigstore bundle whose statement is cosign's signature (some
			// registries report the config's media type as artifactType,
			// so the annotation decides; detection only).
			a.signed = true
		case isBOM(pred) || isBOM(r.ArtifactType):
			a.bom = true
		case strings.HasPrefix(r.ArtifactType, "application/vnd.dev.cosign") && strings.Contains(r.ArtifactType, "sig"):
			a.signed = true
		}
	}
	return a
}
