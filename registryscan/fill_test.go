package registryscan

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/seed-43c89ce6/aibom/oci"
)

// fixture reads a committed model fixture.
func fixture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "models", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bigSafetensors is a valid safetensors file of about n bytes: one F32
// tensor of zeros.
func bigSafetensors(n int64) []byte {
	n -= n % 4
	hdr := fmt.Sprintf(`{"w":{"dtype":"F32","shape":[%d],"data_offsets":[0,%d]}}`, n/4, n)
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	b := make([]byte, 8+len(hdr)+int(n))
	binary.LittleEndian.PutUint64(b, uint64(len(hdr)))
	copy(b[8:], hdr)
	return b
}

// bigGGUF is a valid GGUF v3 file of about n bytes: one F32 tensor.
func bigGGUF(n int64) []byte {
	n -= n % 32
	var h bytes.Buffer
	w := func(v any) { _ = binary.Write(&h, binary.LittleEndian, v) }
	str := func(s string) { w(uint64(len(s))); h.WriteString(s) }
	h.WriteString("GGUF")
	w(uint32(3))
	w(uint64(1)) // tensors
	w(uint64(1)) // metadata
	str("general.architecture")
	w(uint32(8)) // string
	str("llama")
	str("w")
	w(uint32(1))
	w(uint64(n / 4))
	w(uint32(0)) // F32
	w(uint64(0))
	for h.Len()%32 != 0 {
		h.WriteByte(0)
	}
	return append(h.Bytes(), make([]byte, n)...)
}

func tarOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, p := range sortedKeys(files) {
		if err := tw.WriteHeader(&tar.Header{Name: p, Mode: 0o644, Size: int64(len(files[p])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(files[p]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sortedKeys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

// pusher writes artifacts to one registry.
type pusher struct {
	t    testing.TB
	host string
}

func (p pusher) ref(repoTag string) name.Reference {
	p.t.Helper()
	r, err := name.ParseReference(p.host + "/" + repoTag)
	if err != nil {
		p.t.Fatal(err)
	}
	return r
}

// modelPack pushes weights (raw layers) with the oci package's builder.
func (p pusher) modelPack(repoTag string, weights map[string][]byte) v1.Hash {
	p.t.Helper()
	var files []oci.PushFile
	for path, b := range weights {
		files = append(files, oci.PushFile{Path: path, Size: int64(len(b)), Role: oci.RoleWeights,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }})
	}
	img, err := oci.NewModelPack(context.Background(), files, oci.ModelConfig{})
	if err != nil {
		p.t.Fatal(err)
	}
	d, err := oci.Push(context.Background(), oci.Registry{}, p.ref(repoTag), img)
	if err != nil {
		p.t.Fatal(err)
	}
	return d
}

// image pushes an image of the given config media type and layers.
func (p pusher) image(repoTag, configType string, layers ...mutate.Addendum) v1.Hash {
	p.t.Helper()
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layers...)
	if err != nil {
		p.t.Fatal(err)
	}
	img = mutate.ConfigMediaType(img, types.MediaType(configType))
	if err := remote.Write(p.ref(repoTag), img); err != nil {
		p.t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		p.t.Fatal(err)
	}
	return d
}

func (p pusher) kitops(repoTag string, files map[string][]byte) v1.Hash {
	return p.image(repoTag, oci.KitOpsConfig, mutate.Addendum{Layer: static.NewLayer(tarOf(p.t, files), oci.KitOpsModelTar), MediaType: oci.KitOpsModelTar})
}

func (p pusher) dockerModel(repoTag string, gguf []byte) v1.Hash {
	return p.image(repoTag, oci.DockerModelConfigV01, mutate.Addendum{Layer: static.NewLayer(gguf, oci.DockerModelGGUF), MediaType: oci.DockerModelGGUF})
}

func (p pusher) plainImage(repoTag string, files map[string][]byte) v1.Hash {
	return p.image(repoTag, oci.OCIImageConfig, mutate.Addendum{Layer: static.NewLayer(tarOf(p.t, files), oci.OCILayerTar), MediaType: oci.OCILayerTar})
}

// cosignTag writes a cosign-style tag sha256-<hex><suffix> for d: a
// simple-signing layer (.sig) or a DSSE layer whose predicateType
// annotation is pred (.att).
func (p pusher) cosignTag(repo string, d v1.Hash, suffix, pred string) {
	p.t.Helper()
	mt, ann := "application/vnd.dev.cosign.simplesigning.v1+json", map[string]string{"dev.cosignproject.cosign/signature": "MEUC"}
	body := []byte(`{"critical":{"image":{"docker-manifest-digest":"` + d.String() + `"}}}`)
	if suffix == ".att" {
		mt, ann = "application/vnd.dsse.envelope.v1+json", map[string]string{"predicateType": pred}
		body = []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`)
	}
	p.image(repo+":sha256-"+d.Hex+suffix, "application/vnd.oci.image.config.v1+json",
		mutate.Addendum{Layer: static.NewLayer(body, types.MediaType(mt)), MediaType: types.MediaType(mt), Annotations: ann})
}

// proxy is a reverse proxy in front of a registry that counts the blob
// bytes it serves and can inject failures.
type proxy struct {
	srv       *httptest.Server
	blobBytes atomic.Int64
	requests  atomic.Int64
	// fail, when it returns a status, answers that instead of forwarding.
	fail atomic.Pointer[func(r *http.Request) (int, string)]
	// rewrite, when set, may change a response before it is served.
	rewrite atomic.Value // func(path string, resp *http.Response)
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	u, err := url.Parse("http://" + target)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if f, ok := p.rewrite.Load().(func(string, *http.Response)); ok {
			f(resp.Request.URL.Path, resp)
		}
		if strings.Contains(resp.Request.URL.Path, "/blobs/") && resp.Request.Method == http.MethodGet {
			resp.Body = &countBody{rc: resp.Body, n: &p.blobBytes}
		}
		return nil
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		if f := p.fail.Load(); f != nil {
			if code, retryAfter := (*f)(r); code != 0 {
				if retryAfter != "" {
					w.Header().Set("Retry-After", retryAfter)
				}
				w.WriteHeader(code)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *proxy) host() string { return strings.TrimPrefix(p.srv.URL, "http://") }

type countBody struct {
	rc io.ReadCloser
	n  *atomic.Int64
}

func (c *countBody) Read(b []byte) (int, error) {
	n, err := c.rc.Read(b)
	c.n.Add(int64(n))
	return n, err
}
func (c *countBody) Close() error { return c.rc.Close() }

// collect runs s over target and returns the results by repository:tag.
func collect(t testing.TB, s *Scanner, target string) (map[string]Result, Stats) {
	t.Helper()
	out := map[string]Result{}
	st, err := s.Run(context.Background(), target, func(r Result) error {
		for _, tag := range append([]string{r.Tag}, r.Tags...) {
			out[r.Repository[strings.Index(r.Repository, "/")+1:]+":"+tag] = r
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

type rawManifest struct{ raw []byte }

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// referrer writes a Sigstore bundle referrer of d (as cosign's
// --new-bundle-format and aibom's referrers layout do) whose predicate
// type annotation is pred.
func (p pusher) referrer(repo string, d v1.Hash, pred string) {
	p.t.Helper()
	layer := static.NewLayer([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`), mediaTypeBundle)
	cfg := static.NewLayer([]byte("{}"), "application/vnd.oci.empty.v1+json")
	r, err := name.NewRepository(p.host + "/" + repo)
	if err != nil {
		p.t.Fatal(err)
	}
	desc := func(l v1.Layer) v1.Descriptor {
		mt, _ := l.MediaType()
		dg, _ := l.Digest()
		sz, _ := l.Size()
		return v1.Descriptor{MediaType: mt, Digest: dg, Size: sz}
	}
	for _, l := range []v1.Layer{cfg, layer} {
		if err := remote.WriteLayer(r, l); err != nil {
			p.t.Fatal(err)
		}
	}
	subj, err := remote.Head(r.Digest(d.String()))
	if err != nil {
		p.t.Fatal(err)
	}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: mediaTypeBundle,
		Config: desc(cfg), Layers: []v1.Descriptor{desc(layer)},
		Subject:     &v1.Descriptor{MediaType: subj.MediaType, Digest: subj.Digest, Size: subj.Size},
		Annotations: map[string]string{annotationBundlePred: pred}}
	raw, err := json.Marshal(m)
	if err != nil {
		p.t.Fatal(err)
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		p.t.Fatal(err)
	}
	if err := remote.Put(r.Digest(h.String()), rawManifest{raw}); err != nil {
		p.t.Fatal(err)
	}
}
