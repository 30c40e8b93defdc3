package oci

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
)

// counter counts requests and bytes served by a registry, by method and
// path kind, and lets a test tamper with responses.
type counter struct {
	mu       sync.Mutex
	requests map[string]int // "METHOD kind" (kind: manifests, blobs, uploads)
	served   atomic.Int64   // bytes of blob bodies served
	ranges   atomic.Int64   // GETs with a Range header
	// noRange drops Range headers, as a registry ignoring them would.
	noRange atomic.Bool
	// tamper, when set, rewrites the body of a blob GET for digest.
	tamper func(digest string, body []byte) []byte
	// lieSize, when set, adds this many bytes to Content-Length and
	// Content-Range totals of blob responses.
	lieSize atomic.Int64
}

func (c *counter) count(method, kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests[method+" "+kind]
}

func (c *counter) reset() {
	c.mu.Lock()
	c.requests = map[string]int{}
	c.mu.Unlock()
	c.served.Store(0)
	c.ranges.Store(0)
}

func kindOf(p string) string {
	switch {
	case strings.Contains(p, "/blobs/uploads"):
		return "uploads"
	case strings.Contains(p, "/blobs/"):
		return "blobs"
	case strings.Contains(p, "/manifests/"):
		return "manifests"
	}
	return "other"
}

func (c *counter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := kindOf(r.URL.Path)
		c.mu.Lock()
		c.requests[r.Method+" "+kind]++
		c.mu.Unlock()
		if c.noRange.Load() {
			r.Header.Del("Range")
		}
		if r.Header.Get("Range") != "" {
			c.ranges.Add(1)
		}
		if kind != "blobs" || r.Method != http.MethodGet {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if c.tamper != nil {
			body = c.tamper(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], body)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		if c.tamper != nil {
			w.Header().Del("Content-Length")
		}
		if lie := c.lieSize.Load(); lie != 0 {
			if cr := rec.Header().Get("Content-Range"); cr != "" {
				i := strings.LastIndex(cr, "/")
				w.Header().Set("Content-Range", cr[:i+1]+strconv.FormatInt(int64(len(body))+lie, 10))
			}
		}
		w.WriteHeader(rec.Code)
		c.served.Add(int64(len(body)))
		_, _ = w.Write(body)
	})
}

// newRegistry starts an in-process registry; referrers turns on the OCI
// 1.1 referrers API.
func newRegistry(t *testing.T, referrers bool) (host string, c *counter) {
	t.Helper()
	c = &counter{requests: map[string]int{}}
	opts := []registry.Option{registry.Logger(log.New(io.Discard, "", 0))}
	if referrers {
		opts = append(opts, registry.WithReferrersSupport(true))
	}
	srv := httptest.NewServer(c.wrap(registry.New(opts...)))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), c
}

func testRegistry() Registry { return Registry{Keychain: authn.NewMultiKeychain()} }

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := testRegistry().ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// modelDir writes a small model folder and returns it with its files.
func modelDir(t *testing.T) (string, []PushFile, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	content := map[string][]byte{
		"model-00001.safetensors": randomBytes(t, 300<<10),
		"model-00002.safetensors": randomBytes(t, 70<<10),
		"config.json":             []byte(`{"architectures":["LlamaForCausalLM"]}`),
		"tokenizer.json":          []byte(`{"version":"1.0"}`),
		"README.md":               []byte("# model\n"),
		"src/modeling.py":         []byte("print('hi')\n"),
		"data/train.jsonl":        []byte("{}\n"),
	}
	roles := map[string]Role{
		"model-00001.safetensors": RoleWeights, "model-00002.safetensors": RoleWeights,
		"config.json": RoleConfig, "tokenizer.json": RoleTokenizer, "README.md": RoleDoc,
		"src/modeling.py": RoleCode, "data/train.jsonl": RoleDataset,
	}
	var files []PushFile
	for p, b := range content {
		abs := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, b, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, diskFile(t, p, abs, roles[p]))
	}
	return dir, files, content
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// readTree reads every regular file under dir, by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func equalTrees(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d files, want %d", len(got), len(want))
	}
	for p, b := range want {
		if !bytes.Equal(got[p], b) {
			t.Errorf("%s: %d bytes differ from the %d pushed", p, len(got[p]), len(b))
		}
	}
}

var ctxBG = context.Background()

// diskFile is a PushFile read from abs.
func diskFile(tb testing.TB, path, abs string, role Role) PushFile {
	tb.Helper()
	st, err := os.Stat(abs)
	if err != nil {
		tb.Fatal(err)
	}
	return PushFile{Path: path, Size: st.Size(), Role: role,
		Open: func() (io.ReadCloser, error) { return os.Open(abs) }}
}
