package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
)

// signKeyless signs and BOM-attests img with `aibom sign` and `aibom
// attest` keylessly: an identity token for (who, iss), the certificate
// from the test Fulcio at url, the entries in its Rekor.
func signKeyless(t *testing.T, url, img, who, iss string) {
	t.Helper()
	tok := testtools.IDToken(who, iss)
	flags := []string{"--identity-token", tok, "--fulcio-url", url, "--rekor-url", url}
	if code, _, errs := run(t, append([]string{"sign", "oci://" + img}, flags...)...); code != ExitOK {
		t.Fatalf("keyless sign of %s: exit %d: %s", img, code, errs)
	}
	// The default policies want the BOM's time (metadata.timestamp).
	bom := writeFile(t, "bom.json", fmt.Sprintf(`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"timestamp":%q,"component":{"type":"machine-learning-model","name":"tiny"}},"components":[]}`,
		time.Now().UTC().Format(time.RFC3339)))
	if code, _, errs := run(t, append([]string{"attest", "oci://" + img, "--bom", bom}, flags...)...); code != ExitOK {
		t.Fatalf("keyless attest of %s: exit %d: %s", img, code, errs)
	}
}

// pushTagged pushes a random image to host/repo:tag and returns its digest.
func pushTagged(t *testing.T, host, repo, tag string) name.Digest {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(host + "/" + repo + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	h, _ := img.Digest()
	return ref.Context().Digest(h.String())
}

type putManifest struct{ raw []byte }

func (p putManifest) RawManifest() ([]byte, error)        { return p.raw, nil }
func (p putManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// moveReferrers copies every referrer of from (in the same repository) to
// refer to to instead: the bundles inside still sign from's digest.
func moveReferrers(t *testing.T, from, to name.Digest) int {
	t.Helper()
	idx, err := remote.Referrers(from)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(to)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range im.Manifests {
		got, err := remote.Get(from.Context().Digest(r.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		var m v1.Manifest
		if err := json.Unmarshal(got.Manifest, &m); err != nil {
			t.Fatal(err)
		}
		m.Subject = &v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		h, _, _ := v1.SHA256(strings.NewReader(string(raw)))
		if err := remote.Put(to.Context().Digest(h.String()), putManifest{raw}); err != nil {
			t.Fatal(err)
		}
	}
	return len(im.Manifests)
}

// TestWebhookKeyless drives keyless admission end to end: images signed
// and BOM-attested keylessly by `aibom sign` / `aibom attest` (Fulcio
// certificates with SCTs, Rekor entries, Sigstore bundles as referrers),
// and `aibom webhook --config` with a trust root naming the identity, the
// issuer and the deployment's trusted_root.json, verifying with its
// default, strict options.
func TestWebhookKeyless(t *testing.T) {
	ss := testtools.NewSigstore(t)
	url := ss.Serve(t)
	host := testtools.InProcessRegistry(t, true)
	const who, iss = "release@example.com", "https://issuer.example.com"

	images := map[string]string{}
	for _, c := range []struct{ name, who, iss string }{
		{"good", who, iss},
		{"wrong-subject", "mallory@example.com", iss},
		{"wrong-issuer", who, "https://evil.example.com"},
	} {
		pushTagged(t, host, "models/"+c.name, "v1")
		images[c.name] = host + "/models/" + c.name + ":v1"
		signKeyless(t, url, images[c.name], c.who, c.iss)
	}
	// The good image's signature and attestation, attached to another image.
	src := pushTagged(t, host, "models/moved", "signed")
	signKeyless(t, url, host+"/models/moved:signed", who, iss)
	dst := pushTagged(t, host, "models/moved", "v1")
	if n := moveReferrers(t, src, dst); n != 2 {
		t.Fatalf("moved %d referrers, want 2", n)
	}
	images["other-digest"] = host + "/models/moved:v1"

	cfg := writeFile(t, "webhook.yaml", fmt.Sprintf(`apiVersion: aibom.dev/v1alpha1
kind: WebhookConfiguration
trustRoots:
  - name: release
    identities: [{subject: %q, issuer: %q}]
    trustedRoot: %q
rules:
  - name: models
    trustRoots: [release]
`, who, iss, ss.WriteTrustedRoot(t)))
	addr, stderr := startWebhook(t, "--config", cfg)
	for _, c := range []struct {
		image string
		ok    bool
		why   string
	}{
		{"good", true, ""},
		{"wrong-subject", false, "keyless signature does not verify"},
		{"wrong-issuer", false, "keyless signature does not verify"},
		{"other-digest", false, "artifact digest does not match"},
	} {
		t.Run(c.image, func(t *testing.T) {
			img := images[c.image]
			ok, msg := validate(t, addr, img)
			if ok != c.ok {
				t.Fatalf("%s: allowed %v, want %v: %s\n%s", img, ok, c.ok, msg, stderr.String())
			}
			if c.ok {
				return
			}
			for _, want := range []string{img, c.why, "no valid signature", "no valid https://cyclonedx.org/bom attestation"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the deny message does not say %q: %s", want, msg)
				}
			}
		})
	}
}
