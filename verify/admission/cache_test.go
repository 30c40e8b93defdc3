package admission

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/seed-43c89ce6/aibom/verify"
)

func decodeReq(t *testing.T, body []byte) *admissionv1.AdmissionRequest {
	t.Helper()
	var ar admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &ar); err != nil {
		t.Fatal(err)
	}
	return ar.Request
}

// The second review of the same images is served from the cache, and the
// cache holds one entry per digest, each keyed by a digest.
func TestCacheHitPath(t *testing.T) {
	e := newEnv(t)
	refs, digs := signedSet(e)
	c := NewCache(100, time.Hour)
	h := e.handler(WithCache(c))
	req := decodeReq(t, review(t, "pod.json", refs))
	for round, wantCached := range []bool{false, true} {
		_, ds, err := h.Decide(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if !d.Allowed || d.Cached != wantCached {
				t.Errorf("round %d %s: allowed=%v cached=%v", round, d.Image.Path, d.Allowed, d.Cached)
			}
		}
	}
	if c.Len() != len(digs) {
		t.Errorf("cache holds %d, want %d", c.Len(), len(digs))
	}
	c.mu.Lock()
	for k := range c.items {
		if _, err := verifyDigestKey(k.Digest); err != nil {
			t.Errorf("cache key %q: %v", k.Digest, err)
		}
	}
	c.mu.Unlock()
}

// verifyDigestKey fails unless s is repository@sha256:<hex>.
func verifyDigestKey(s string) (name.Digest, error) { return name.NewDigest(s) }

func TestCacheNeverStoresFailuresAndBounds(t *testing.T) {
	c := NewCache(2, time.Minute)
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	req := verify.Require{Signature: true, BOM: true}
	pass := &verify.Result{Verified: verify.Verified{Signature: true, BOM: true}}
	fail := &verify.Result{Verified: verify.Verified{Signature: true}}
	k := func(d string) CacheKey { return CacheKey{Digest: "r/x@sha256:" + d, Require: req} }
	if c.Put(k("1"), fail) {
		t.Error("a failure was stored")
	}
	if c.Put(CacheKey{Digest: "r/x:latest", Require: req}, pass) {
		t.Error("a tag key was stored")
	}
	c.Put(k("1"), pass)
	c.Put(k("2"), pass)
	c.Get(k("1"))
	c.Put(k("3"), pass)
	if _, ok := c.Get(k("2")); ok {
		t.Error("the least recently used entry was kept beyond the bound")
	}
	if _, ok := c.Get(k("1")); !ok {
		t.Error("a recently used entry was dropped")
	}
	// Other policy revision or trust: a miss.
	other := k("1")
	other.PolicyRevision = "rev2"
	if _, ok := c.Get(other); ok {
		t.Error("hit across policy revisions")
	}
	other = k("1")
	other.Trust = "another key"
	if _, ok := c.Get(other); ok {
		t.Error("hit across trust configurations")
	}
	now = now.Add(time.Minute)
	if _, ok := c.Get(k("1")); ok {
		t.Error("an expired entry was served")
	}
}
