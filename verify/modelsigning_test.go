package verify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/seed-43c89ce6/aibom/internal/testtools"
	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/verify"
	"github.com/seed-43c89ce6/aibom/verify/modelsig"
)

// msModel writes a small model folder: a raw weight layer and files that
// go into tar layers (config, tokenizer, docs).
func msModel(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		fp := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func baseModel() map[string]string {
	return map[string]string{
		"model.safetensors":  strings.Repeat("weights!", 4096),
		"extra/adapter.gguf": "GGUF adapter weights",
		"config.json":        `{"model_type":"llama"}`,
		"tokenizer.json":     `{"version":"1.0"}`,
		"README.md":          "# a model\n",
	}
}

var msRoles = map[string]oci.Role{
	"model.safetensors": oci.RoleWeights, "extra/adapter.gguf": oci.RoleWeights,
	"config.json": oci.RoleConfig, "tokenizer.json": oci.RoleTokenizer,
}

// msPush pushes dir as a ModelPack artifact (weights raw, the rest in tar
// layers) and returns its digest.
func msPush(t *testing.T, host, repo, dir string) name.Digest {
	t.Helper()
	var files []oci.PushFile
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		role, ok := msRoles[rel]
		if !ok {
			role = oci.RoleDoc
		}
		files = append(files, oci.PushFile{Path: rel, Size: fi.Size(), Role: role,
			Open: func() (io.ReadCloser, error) { return os.Open(p) }})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	img, err := oci.NewModelPack(ctx, files, oci.ModelConfig{Descriptor: oci.ModelDescriptor{Name: "m"}})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host + "/" + repo + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	h, err := oci.Push(ctx, oci.Registry{}, ref, img)
	if err != nil {
		t.Fatal(err)
	}
	return ref.Context().Digest(h.String())
}

// msSign signs dir with OMS and attaches the signature to d.
func msSign(t *testing.T, sv signature.SignerVerifier, dir string, d name.Digest) {
	t.Helper()
	s, err := modelsig.NewKeySigner(sv)
	if err != nil {
		t.Fatal(err)
	}
	b, err := modelsig.SignBundle(context.Background(), dir, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify.AttachModelSignature(context.Background(), oci.Registry{}, d, b); err != nil {
		t.Fatal(err)
	}
}

func msVerify(t *testing.T, sv signature.SignerVerifier, d name.Digest) *verify.Result {
	t.Helper()
	v, err := verify.New(verify.Trust{Keys: []verify.Key{{Name: "trusted", Verifier: sv}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(context.Background(), d.String(), verify.Require{ModelSigning: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func msHas(r *verify.Result, sub string) bool {
	for _, p := range r.Problems {
		if strings.Contains(p, sub) {
			return true
		}
	}
	return false
}

// TestModelSigningOCI: an OMS signature of the folder, attached as a
// referrer, verifies against the pushed artifact: raw layers by their
// digests, tar layers by their members' hashes; with and without the
// referrers API.
func TestModelSigningOCI(t *testing.T) {
	for _, referrers := range []bool{true, false} {
		t.Run(map[bool]string{true: "referrers API", false: "tag fallback"}[referrers], func(t *testing.T) {
			host := testtools.InProcessRegistry(t, referrers)
			dir := msModel(t, baseModel())
			d := msPush(t, host, "m", dir)
			sv := testtools.ECDSAKey(t)
			msSign(t, sv, dir, d)
			res := msVerify(t, sv, d)
			if !res.Satisfies(verify.Require{ModelSigning: true}) || !res.Verified.ModelSigning {
				t.Fatalf("not verified: %+v", res)
			}
			if res.Verified.Signature || res.Verified.BOM {
				t.Fatalf("a model signature counted as a signature or a BOM: %+v", res.Verified)
			}
			if len(res.Signers) != 1 || res.Signers[0] != "trusted" {
				t.Fatalf("signers %v", res.Signers)
			}
			if len(res.PredicateTypes) != 1 || res.PredicateTypes[0] != verify.PredicateModelSigning {
				t.Fatalf("predicate types %v", res.PredicateTypes)
			}
			// The other key: not verified, and said why.
			other := msVerify(t, testtools.ECDSAKey(t), d)
			if other.Verified.ModelSigning || !msHas(other, "no valid OpenSSF model signature") {
				t.Fatalf("verified with another key: %+v", other)
			}
		})
	}
}

// TestModelSigningMismatch: a signature of other files fails, naming the
// file: a changed raw weight, a changed tar member, a file added to the
// artifact, a signed file missing from it.
func TestModelSigningMismatch(t *testing.T) {
	host := testtools.InProcessRegistry(t, true)
	cases := []struct {
		name   string
		signed func(map[string]string)
		pushed func(map[string]string)
		want   string
	}{
		{"raw weight changed", func(m map[string]string) { m["model.safetensors"] = strings.Repeat("WEIGHTS!", 4096) }, nil,
			"file model.safetensors (layer"},
		{"tar member changed", func(m map[string]string) { m["config.json"] = `{"model_type":"evil"}` }, nil,
			"file config.json (layer"},
		{"file in a subfolder changed", func(m map[string]string) { m["extra/adapter.gguf"] = "other" }, nil,
			"file extra/adapter.gguf (layer"},
		{"file added to the artifact", nil, func(m map[string]string) { m["code/run.py"] = "import os" },
			"file code/run.py (layer"},
		{"signed file missing", func(m map[string]string) { m["vocab.txt"] = "a b c" }, nil,
			"file vocab.txt is signed but missing from the artifact"},
		{"weight dropped from the artifact", nil, func(m map[string]string) { delete(m, "extra/adapter.gguf") },
			"file extra/adapter.gguf is signed but missing from the artifact"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			signed, pushed := baseModel(), baseModel()
			if tc.signed != nil {
				tc.signed(signed)
			}
			if tc.pushed != nil {
				tc.pushed(pushed)
			}
			d := msPush(t, host, "m"+string(rune('a'+i)), msModel(t, pushed))
			sv := testtools.ECDSAKey(t)
			msSign(t, sv, msModel(t, signed), d)
			res := msVerify(t, sv, d)
			if res.Verified.ModelSigning || res.Satisfies(verify.Require{ModelSigning: true}) {
				t.Fatalf("verified: %+v", res)
			}
			if !msHas(res, tc.want) || !msHas(res, "does not match the artifact") {
				t.Fatalf("problems do not say %q: %q", tc.want, res.Problems)
			}
		})
	}
}

// TestModelSigningNotOtherRequirements: a cosign signature of the digest
// does not satisfy model-signing, and a model signature does not satisfy
// signature.
func TestModelSigningNotOtherRequirements(t *testing.T) {
	host := testtools.InProcessRegistry(t, true)
	dir := msModel(t, baseModel())
	d := msPush(t, host, "m", dir)
	sv := testtools.ECDSAKey(t)
	s, err := verify.NewSigner(sv)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify.Sign(context.Background(), oci.Registry{}, d, s); err != nil {
		t.Fatal(err)
	}
	res := msVerify(t, sv, d)
	if !res.Verified.Signature || res.Verified.ModelSigning {
		t.Fatalf("signature only: %+v", res.Verified)
	}
	msSign(t, sv, dir, d)
	res = msVerify(t, sv, d)
	if !res.Verified.Signature || !res.Verified.ModelSigning {
		t.Fatalf("both: %+v", res.Verified)
	}
}

// TestModelSigningIgnoredNoted: a model.sig pushed inside the artifact is
// left out of the signature, as on disk, and reported.
func TestModelSigningIgnoredNoted(t *testing.T) {
	host := testtools.InProcessRegistry(t, true)
	files := baseModel()
	files["model.sig"] = "an old signature"
	dir := msModel(t, files)
	d := msPush(t, host, "m", dir)
	sv := testtools.ECDSAKey(t)
	msSign(t, sv, dir, d)
	res := msVerify(t, sv, d)
	if !res.Verified.ModelSigning || !msHas(res, "file model.sig (layer") {
		t.Fatalf("want verified with model.sig noted: %+v", res)
	}
}

// TestAttachModelSignatureRefusesOthers: only OMS bundles are attached.
func TestAttachModelSignatureRefusesOthers(t *testing.T) {
	host := testtools.InProcessRegistry(t, true)
	d := msPush(t, host, "m", msModel(t, baseModel()))
	for _, b := range []string{`not json`, `{"dsseEnvelope":{"payload":"e30="}}`} {
		if err := verify.AttachModelSignature(context.Background(), oci.Registry{}, d, []byte(b)); err == nil {
			t.Fatalf("attached %q", b)
		}
	}
}

// TestModelSigningRawNotDownloaded: raw layers are checked by their digests
// in the manifest; no byte of them is read.
func TestModelSigningRawNotDownloaded(t *testing.T) {
	var mu sync.Mutex
	var gets []string
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			mu.Lock()
			gets = append(gets, r.URL.Path)
			mu.Unlock()
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	files := baseModel()
	dir := msModel(t, files)
	d := msPush(t, host, "m", dir)
	sv := testtools.ECDSAKey(t)
	msSign(t, sv, dir, d)
	mu.Lock()
	gets = nil
	mu.Unlock()
	if res := msVerify(t, sv, d); !res.Verified.ModelSigning {
		t.Fatalf("not verified: %+v", res)
	}
	for _, w := range []string{"model.safetensors", "extra/adapter.gguf"} {
		sum := sha256.Sum256([]byte(files[w]))
		raw := "sha256:" + hex.EncodeToString(sum[:])
		for _, g := range gets {
			if strings.HasSuffix(g, raw) {
				t.Fatalf("raw layer of %s downloaded: %v", w, gets)
			}
		}
	}
	if len(gets) == 0 {
		t.Fatal("no blob read at all: the tar layers were not hashed")
	}
}
