package registryscan

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/seed-43c89ce6/aibom/oci"
)

// countingRegistry is the in-process registry, counting the pings (GET
// /v2/), all requests and the connections opened.
type countingRegistry struct {
	mu                     sync.Mutex
	pings, requests, conns int
}

func (c *countingRegistry) start(t testing.TB) string {
	t.Helper()
	reg := registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.requests++
		if r.URL.Path == "/v2/" {
			c.pings++
		}
		c.mu.Unlock()
		reg.ServeHTTP(w, r)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			c.mu.Lock()
			c.conns++
			c.mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func (c *countingRegistry) take() (pings, requests, conns int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pings, requests, conns = c.pings, c.requests, c.conns
	c.pings, c.requests, c.conns = 0, 0, 0
	return pings, requests, conns
}

// A scan authenticates once per repository (one ping for the catalog, one
// for the listing and one for reading each repository's artifacts), not
// once per call: the registry was pinged about 5 times per artifact before.
func TestScanPingsPerRepository(t *testing.T) {
	var c countingRegistry
	host := c.start(t)
	p := pusher{t, host}
	const repos, perRepo = 2, 3
	for r := range repos {
		for i := range perRepo {
			w := fmt.Appendf(nil, "weights %d %d", r, i)
			p.modelPack(fmt.Sprintf("models/m%d:v%d", r, i), map[string][]byte{"model.safetensors": w})
		}
	}
	c.take()
	s, err := New(oci.Registry{}, WithJobs(2))
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, host)
	if st.Artifacts != repos*perRepo || len(got) != repos*perRepo {
		t.Fatalf("%d artifacts, want %d: %+v", st.Artifacts, repos*perRepo, st)
	}
	pings, requests, conns := c.take()
	t.Logf("%d artifacts in %d repositories: %d pings, %d requests, %d connections", st.Artifacts, repos, pings, requests, conns)
	if want := 1 + 2*repos; pings > want {
		t.Errorf("%d pings for %d artifacts in %d repositories, want at most %d", pings, st.Artifacts, repos, want)
	}
}
