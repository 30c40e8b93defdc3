package admission

import (
	"container/list"
	"strings"
	"sync"
	"time"

	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
)

// CacheKey identifies one verification: the digest, never a tag, with
// everything else its answer depends on.
type CacheKey struct {
	// Digest is repository@sha256:... (the repository matters: signatures
	// are stored beside the artifact).
	Digest string
	// PolicyRevision is the policy bundle's revision.
	PolicyRevision string
	// Trust identifies the trust configuration (keys, identities, roots).
	Trust string
	// Require is what had to verify.
	Require verify.Require
}

// Cache holds verification results that satisfied their requirements,
// bounded in entries and age. It is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	ll    *list.List
	items map[CacheKey]*list.Element
}

type cacheEntry struct {
	key     CacheKey
	res     *verify.Result
	facts   *policies.Facts // res as policy input, converted once
	expires time.Time
}

// NewCache returns a cache of at most size results, each kept at most ttl.
// size <= 0 or ttl <= 0 is a cache that keeps nothing.
func NewCache(size int, ttl time.Duration) *Cache {
	return &Cache{max: size, ttl: ttl, now: time.Now, ll: list.New(), items: map[CacheKey]*list.Element{}}
}

// Get returns the result stored under k, if it has not expired.
func (c *Cache) Get(k CacheKey) (*verify.Result, bool) {
	e, ok := c.entry(k)
	if !ok {
		return nil, false
	}
	return e.res, true
}

func (c *Cache) entry(k CacheKey) (*cacheEntry, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !c.now().Before(e.expires) {
		c.ll.Remove(el)
		delete(c.items, k)
		return nil, false
	}
	c.ll.MoveToFront(el)
	return e, true
}

// Put stores res under k when it is a pass: res satisfies k.Require and its
// key names a digest. Anything else is not stored, so that a failure is never
// served as a pass and a fixed artifact is admitted at once.
func (c *Cache) Put(k CacheKey, res *verify.Result) bool {
	return c.putEntry(k, &cacheEntry{res: res})
}

func (c *Cache) putEntry(k CacheKey, e *cacheEntry) bool {
	if c == nil || c.max <= 0 || c.ttl <= 0 || e.res == nil || !e.res.Satisfies(k.Require) || !strings.Contains(k.Digest, "@sha256:") {
		return false
	}
	e.key, e.expires = k, c.now().Add(c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		el.Value = e
		c.ll.MoveToFront(el)
		return true
	}
	c.items[k] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*cacheEntry).key)
	}
	return true
}

// Len is the number of results held (expired ones included until read).
func (c *Cache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
