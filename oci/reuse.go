package oci

import (
	"container/list"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Authenticated connections are shared. go-containerregistry authenticates
// each call afresh: it pings /v2/ (on a loopback registry first over HTTPS,
// then over HTTP) and, behind a bearer challenge, fetches a token, before
// the request itself. Requests made with the same keychain, credentials,
// transport and user agent share one remote.Puller (one ping and token per
// repository, held by the Puller) and, for Open, one authenticated
// transport per registry, repository scope and credentials. Tokens are
// still refreshed on 401 by go-containerregistry's bearer transport. An
// entry lives reuseTTL (so that changed docker credentials are read again)
// and at most reuseMax are held.

// CredentialsKeyer is implemented by keychains whose answer depends on the
// request's context (e.g. the pull secrets of the object under review).
// CredentialsKey names the credentials ctx selects: requests whose keys are
// equal may share authenticated connections; ok false shares nothing. A
// keychain that resolves by context (authn.ContextKeychain) without
// implementing it is never shared, except authn.DefaultKeychain.
type CredentialsKeyer interface {
	CredentialsKey(ctx context.Context) (key string, ok bool)
}

const (
	reuseTTL = 5 * time.Minute
	reuseMax = 256
)

type pullerKey struct {
	keychain  authn.Keychain
	creds     string
	transport http.RoundTripper
	userAgent string
}

type transportKey struct {
	registry  string // scheme://host
	scope     string
	creds     [sha256.Size]byte
	transport http.RoundTripper
	userAgent string
}

// lru is a bounded map whose entries expire.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	ll    *list.List
	items map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key     K
	val     V
	expires time.Time
}

func newLRU[K comparable, V any]() *lru[K, V] {
	return &lru[K, V]{ll: list.New(), items: map[K]*list.Element{}}
}

func (c *lru[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.items[k]
	if !ok {
		return zero, false
	}
	e := el.Value.(*lruEntry[K, V])
	if !now.Before(e.expires) {
		c.ll.Remove(el)
		delete(c.items, k)
		return zero, false
	}
	c.ll.MoveToFront(el)
	return e.val, true
}

// add stores v under k unless a live entry is there already; it returns the
// entry in use.
func (c *lru[K, V]) add(k K, v V, now time.Time) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		e := el.Value.(*lruEntry[K, V])
		if now.Before(e.expires) {
			c.ll.MoveToFront(el)
			return e.val
		}
		c.ll.Remove(el)
	}
	c.items[k] = c.ll.PushFront(&lruEntry[K, V]{key: k, val: v, expires: now.Add(reuseTTL)})
	for c.ll.Len() > reuseMax {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*lruEntry[K, V]).key)
	}
	return v
}

// remove drops k if it still holds v.
func (c *lru[K, V]) remove(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok && any(el.Value.(*lruEntry[K, V]).val) == any(v) {
		c.ll.Remove(el)
		delete(c.items, k)
	}
}

var (
	pullers    = newLRU[pullerKey, *remote.Puller]()
	transports = newLRU[transportKey, *authEntry]()
)

// isComparable reports whether v may be a map key (its dynamic value, too).
func isComparable(v any) bool {
	return v == nil || reflect.ValueOf(v).Comparable()
}

// credentialsKey says whether requests under ctx with kc may share
// connections, and under which key.
func credentialsKey(ctx context.Context, kc authn.Keychain) (string, bool) {
	if k, ok := kc.(CredentialsKeyer); ok {
		return k.CredentialsKey(ctx)
	}
	if _, ok := kc.(authn.ContextKeychain); ok && kc != authn.DefaultKeychain {
		return "", false
	}
	return "", true
}

// baseOptions are the options of RemoteOptions without the shared Puller.
func (r Registry) baseOptions(ctx context.Context) []remote.Option {
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(r.keychain())}
	if t := r.transport(); t != nil {
		opts = append(opts, remote.WithTransport(t))
	}
	if r.UserAgent != "" {
		opts = append(opts, remote.WithUserAgent(r.UserAgent))
	}
	return opts
}

// sharedPuller is the Puller that requests under ctx share, or nil when
// they may not share one.
func (r Registry) sharedPuller(ctx context.Context) *remote.Puller {
	kc, t := r.keychain(), r.transport()
	creds, ok := credentialsKey(ctx, kc)
	if !ok || !isComparable(kc) || !isComparable(t) {
		return nil
	}
	k := pullerKey{keychain: kc, creds: creds, transport: t, userAgent: r.UserAgent}
	now := time.Now()
	if p, ok := pullers.get(k, now); ok {
		return p
	}
	// Its options carry no context: each call gives its own.
	p, err := remote.NewPuller(r.baseOptions(context.Background())...)
	if err != nil {
		return nil
	}
	return pullers.add(k, p, now)
}

// NewPuller returns a Puller of its own (not shared), with extra options
// after the registry's: for callers whose options the shared one would not
// honour (page size, retries). Pass it with remote.Reuse after
// RemoteOptions.
func (r Registry) NewPuller(ctx context.Context, extra ...remote.Option) (*remote.Puller, error) {
	return remote.NewPuller(append(r.baseOptions(ctx), extra...)...)
}

// authTransport returns the authenticated transport for repo's pull scope
// with auth, shared when it may be (made once, by the first caller: the
// others wait for it).
func (r Registry) authTransport(ctx context.Context, repo name.Repository, auth authn.Authenticator) (http.RoundTripper, error) {
	base := r.transport()
	if base == nil {
		base = remote.DefaultTransport
	}
	scope := repo.Scope(transport.PullScope)
	connect := func() (http.RoundTripper, error) {
		b := base
		if r.UserAgent != "" {
			b = transport.NewUserAgent(b, r.UserAgent)
		}
		return transport.NewWithContext(ctx, repo.Registry, auth, b, []string{scope})
	}
	if !isComparable(base) {
		return connect()
	}
	ac, err := authn.Authorization(ctx, auth)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(ac)
	if err != nil {
		return nil, err
	}
	k := transportKey{registry: repo.Scheme() + "://" + repo.RegistryStr(), scope: scope, creds: sha256.Sum256(raw),
		transport: base, userAgent: r.UserAgent}
	now := time.Now()
	e, ok := transports.get(k, now)
	if !ok {
		e = transports.add(k, &authEntry{}, now)
	}
	e.once.Do(func() { e.rt, e.err = connect() })
	if e.err != nil {
		transports.remove(k, e) // the next caller tries again
		return nil, e.err
	}
	return e.rt, nil
}

// authEntry is an authenticated transport, made once.
type authEntry struct {
	once sync.Once
	rt   http.RoundTripper
	err  error
}

func (r Registry) keychain() authn.Keychain {
	if r.Keychain == nil {
		return authn.DefaultKeychain
	}
	return r.Keychain
}

// insecureTransport is remote.DefaultTransport without TLS verification,
// one for the process, so that its connections are reused.
var insecureTransport = sync.OnceValue(func() http.RoundTripper {
	t, ok := remote.DefaultTransport.(*http.Transport)
	if !ok {
		return nil
	}
	t = t.Clone()
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	t.TLSClientConfig.InsecureSkipVerify = true // --insecure asks for unverified TLS
	return t
})
