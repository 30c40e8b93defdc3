package admission

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore/pkg/signature"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
)

// env is a registry on 127.0.0.1 (go-containerregistry's in-process
// registry), a signing key, and aibom's signer.
type env struct {
	t      testing.TB
	reg    *httptest.Server
	count  *requestCounter
	host   string
	sv     signature.SignerVerifier
	signer *verify.Signer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	count := &requestCounter{}
	srv := httptest.NewUnstartedServer(count.wrap(registry.New(registry.Logger(log.New(io.Discard, "", 0)))))
	srv.Config.ConnState = count.connState
	srv.Start()
	t.Cleanup(srv.Close)
	pk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signature.LoadECDSASignerVerifier(pk, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	s, err := verify.NewSigner(sv)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, reg: srv, count: count, host: strings.TrimPrefix(srv.URL, "http://"), sv: sv, signer: s}
}

// push writes a new random image at repo:tag and returns its digest.
func (e *env) push(repo string) name.Digest {
	e.t.Helper()
	img, err := random.Image(128, 1)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.write(repo, "v1", img)
}

func (e *env) write(repo, tag string, img v1.Image) name.Digest {
	e.t.Helper()
	ref, err := name.NewTag(e.host + "/" + repo + ":" + tag)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		e.t.Fatal(err)
	}
	h, err := img.Digest()
	if err != nil {
		e.t.Fatal(err)
	}
	return ref.Context().Digest(h.String())
}

// bom is a CycloneDX AI-BOM signed now, with one safetensors weight file
// whose verdict is verdict.
func bom(verdict string) []byte {
	return fmt.Appendf(nil, `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"timestamp":%q,"component":{"type":"machine-learning-model","name":"tiny"}},"components":[{"type":"file","name":"model.safetensors","properties":[{"name":"aibom:file:role","value":"weights"},{"name":"aibom:file:format","value":"safetensors"},{"name":"aibom:scan:verdict","value":%q}]}]}`,
		time.Now().UTC().Format(time.RFC3339), verdict)
}

// sign signs d and, when withBOM, attests a BOM whose weights have verdict.
func (e *env) sign(d name.Digest, withBOM bool, verdict string) {
	e.t.Helper()
	ctx := context.Background()
	if err := verify.Sign(ctx, oci.Registry{}, d, e.signer); err != nil {
		e.t.Fatal(err)
	}
	if withBOM {
		if err := verify.Attest(ctx, oci.Registry{}, d, e.signer, verify.PredicateCycloneDX, bom(verdict)); err != nil {
			e.t.Fatal(err)
		}
	}
}

// handler builds a Handler with the default policy bundle, trusting e's key.
func (e *env) handler(opts ...Option) *Handler {
	e.t.Helper()
	pub, err := e.sv.PublicKey()
	if err != nil {
		e.t.Fatal(err)
	}
	fp, err := KeyFingerprint(pub)
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := verify.New(verify.Trust{Keys: []verify.Key{{Name: fp, Verifier: e.sv}}})
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := policies.DefaultBundle()
	if err != nil {
		e.t.Fatal(err)
	}
	ev, err := policies.New(context.Background(), b)
	if err != nil {
		e.t.Fatal(err)
	}
	h, err := New(v, ev, append([]Option{WithTrustID(fp)}, opts...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// serveTLS serves h at /validate and its patching form at /mutate over HTTPS.
func serveTLS(t testing.TB, h *Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("POST /validate", h)
	mux.Handle("POST /mutate", h.Patching())
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// review reads testdata/file with its IMAGE_* placeholders replaced.
func review(t testing.TB, file string, images map[string]string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for k, v := range images {
		s = strings.ReplaceAll(s, k, v)
	}
	if strings.Contains(s, "IMAGE_") {
		t.Fatalf("%s: a placeholder is left: %s", file, s)
	}
	return []byte(s)
}

// post sends body to srv's path and decodes the AdmissionReview answer.
func post(t *testing.T, srv *httptest.Server, path string, body []byte) *admissionv1.AdmissionResponse {
	t.Helper()
	resp, err := srv.Client().Post(srv.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: %s: %s", path, resp.Status, b)
	}
	var out admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Response == nil || out.APIVersion != "admission.k8s.io/v1" || out.Kind != "AdmissionReview" {
		t.Fatalf("not an AdmissionReview answer: %+v", out)
	}
	return out.Response
}

func message(r *admissionv1.AdmissionResponse) string {
	if r.Result == nil {
		return ""
	}
	return r.Result.Message
}

// requestCounter counts the requests a registry receives, by method and
// kind of path (GET /v2/, HEAD manifests, ...), and the connections opened
// to it.
type requestCounter struct {
	mu    sync.Mutex
	byKey map[string]int
	conns int
}

func (c *requestCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := r.URL.Path
		switch {
		case kind == "/v2/":
		case strings.Contains(kind, "/manifests/"):
			kind = "manifests"
		case strings.Contains(kind, "/blobs/"):
			kind = "blobs"
		case strings.Contains(kind, "/referrers/"):
			kind = "referrers"
		case strings.HasSuffix(kind, "/tags/list"):
			kind = "tags"
		}
		c.mu.Lock()
		if c.byKey == nil {
			c.byKey = map[string]int{}
		}
		c.byKey[r.Method+" "+kind]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (c *requestCounter) connState(_ net.Conn, s http.ConnState) {
	if s == http.StateNew {
		c.mu.Lock()
		c.conns++
		c.mu.Unlock()
	}
}

// take returns the counts so far and starts again from zero.
func (c *requestCounter) take() (map[string]int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, n := c.byKey, c.conns
	c.byKey, c.conns = map[string]int{}, 0
	return m, n
}
