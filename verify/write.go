package verify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/seed-43c89ce6/aibom/oci"
)

func encodeB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// tagFor is cosign's tag for d's signatures (".sig") or attestations
// (".att").
func tagFor(d name.Digest, suffix string) name.Tag {
	return d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + suffix)
}

// appendTagLayer adds one layer to the cosign tag of d, keeping the layers
// already there (other signers' signatures), as cosign does.
func appendTagLayer(ctx context.Context, reg oci.Registry, d name.Digest, suffix string, body []byte, mt string, ann map[string]string) error {
	tag := tagFor(d, suffix)
	ropts := reg.RemoteOptions(ctx)
	base, err := remote.Image(tag, ropts...)
	var terr *transport.Error
	switch {
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
		base = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	case err != nil:
		return fmt.Errorf("%w: reading %s: %w", ErrRegistry, tag, err)
	}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:       static.NewLayer(body, types.MediaType(mt)),
		Annotations: ann,
	})
	if err != nil {
		return fmt.Errorf("verify: building %s: %w", tag, err)
	}
	if err := remote.Write(tag, img, ropts...); err != nil {
		return fmt.Errorf("%w: writing %s: %w", ErrRegistry, tag, err)
	}
	return nil
}

// writeBundle signs stmt into a Sigstore bundle and stores it as a
// referrer of d (with the referrers tag fallback).
func (s *Signer) writeBundle(ctx context.Context, reg oci.Registry, d name.Digest, predicateType string, stmt []byte, o signOptions) error {
	content := &sign.DSSEData{Data: stmt, PayloadType: PayloadTypeInToto}
	bo := sign.BundleOptions{Context: ctx}
	var kp sign.Keypair
	if s.keyless != nil {
		ekp, err := sign.NewEphemeralKeypair(nil)
		if err != nil {
			return errors.Join(ErrKey, err)
		}
		kp = ekp
		bo.CertificateProvider = sign.NewFulcio(&sign.FulcioOptions{BaseURL: s.keyless.FulcioURL})
		bo.CertificateProviderOptions = &sign.CertificateProviderOptions{IDToken: s.keyless.IDToken}
		if o.rekorURL == "" {
			o.rekorURL = s.keyless.RekorURL
		}
	} else {
		kp = s.kp
	}
	if o.rekorURL != "" {
		bo.TransparencyLogs = []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: o.rekorURL})}
	}
	pb, err := sign.Bundle(content, kp, bo)
	if err != nil {
		return fmt.Errorf("verify: signing bundle: %w", err)
	}
	raw, err := protojson.Marshal(pb)
	if err != nil {
		return fmt.Errorf("verify: encoding bundle: %w", err)
	}
	return writeReferrer(ctx, reg, d, raw, predicateType, o)
}

// writeReferrer stores a bundle as cosign v2.6/v3 do: an OCI manifest with
// an empty config, artifactType = the bundle media type, one bundle layer,
// and the subject d.
func writeReferrer(ctx context.Context, reg oci.Registry, d name.Digest, bundle []byte, predicateType string, o signOptions) error {
	ropts := reg.RemoteOptions(ctx)
	desc, err := remote.Head(d, ropts...)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrRegistry, d, err)
	}
	layer := static.NewLayer(bundle, MediaTypeBundle)
	cfg := static.NewLayer([]byte("{}"), "application/vnd.oci.empty.v1+json")
	repo := d.Context()
	for _, l := range []v1.Layer{cfg, layer} {
		if err := remote.WriteLayer(repo, l, ropts...); err != nil {
			return fmt.Errorf("%w: uploading to %s: %w", ErrRegistry, repo, err)
		}
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  MediaTypeBundle,
		Config:        descriptorOf(cfg),
		Layers:        []v1.Descriptor{descriptorOf(layer)},
		Subject:       &v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size},
		Annotations: map[string]string{
			"org.opencontainers.image.created":  o.now().UTC().Format("2006-01-02T15:04:05Z"),
			"dev.sigstore.bundle.content":       "dsse-envelope",
			"dev.sigstore.bundle.predicateType": predicateType,
		},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	h, _, err := v1.SHA256(strings.NewReader(string(raw)))
	if err != nil {
		return err
	}
	if err := remote.Put(repo.Digest(h.String()), rawManifest{raw}, ropts...); err != nil {
		return fmt.Errorf("%w: writing referrer of %s: %w", ErrRegistry, d, err)
	}
	return nil
}

func descriptorOf(l v1.Layer) v1.Descriptor {
	mt, _ := l.MediaType()
	dg, _ := l.Digest()
	sz, _ := l.Size()
	return v1.Descriptor{MediaType: mt, Digest: dg, Size: sz}
}

type rawManifest struct{ raw []byte }

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// AttachModelSignature stores an OpenSSF Model Signing signature (the
// Sigstore bundle of a model.sig, as modelsig.SignBundle makes it) as a
// referrer of d: the bundle artifact type, with PredicateModelSigning as
// its predicate-type annotation, beside cosign's signature of d. Verify
// with Require.ModelSigning checks it against d's layers. Only a bundle
// whose DSSE payload is an OMS statement is accepted.
func AttachModelSignature(ctx context.Context, reg oci.Registry, d name.Digest, bundle []byte) error {
	var b struct {
		DSSE struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		return fmt.Errorf("%w: model signature: not a Sigstore bundle: %w", ErrConfig, err)
	}
	if _, ok := modelSigningSubject(b.DSSE.Payload); !ok {
		return fmt.Errorf("%w: model signature: the bundle holds no OpenSSF Model Signing statement", ErrConfig)
	}
	return writeReferrer(ctx, reg, d, bundle, PredicateModelSigning, signOptions{now: time.Now})
}
