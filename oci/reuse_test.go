package oci

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// tokenRegistry is the in-process registry behind bearer authentication:
// /token gives a token to the users it knows (HTTP basic), the registry
// answers only requests with a live token, and records whose token each
// request carried. expire forgets every token, as when they time out.
type tokenRegistry struct {
	host  string
	mu    sync.Mutex
	users map[string]string // user -> password
	live  map[string]string // token -> user
	n     int
	// pings and tokens count GET /v2/ and the tokens issued; seen lists
	// the user of every request to a repository.
	pings, tokens int
	seen          []string
}

func newTokenRegistry(t *testing.T) *tokenRegistry {
	t.Helper()
	tr := &tokenRegistry{users: map[string]string{"alice": "a-pw", "bob": "b-pw"}, live: map[string]string{}}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		if r.URL.Path == "/token" {
			u, p, ok := r.BasicAuth()
			if !ok || tr.users[u] != p {
				http.Error(w, "bad credentials", http.StatusUnauthorized)
				return
			}
			tr.n++
			tr.tokens++
			tok := fmt.Sprintf("tok-%d", tr.n)
			tr.live[tok] = u
			fmt.Fprintf(w, `{"token":%q}`, tok)
			return
		}
		if r.URL.Path == "/v2/" {
			tr.pings++
		}
		user, ok := tr.live[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="test"`, tr.host))
			http.Error(w, "token needed", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/v2/" {
			tr.seen = append(tr.seen, user)
		}
		tr.mu.Unlock()
		reg.ServeHTTP(w, r)
		tr.mu.Lock()
	}))
	t.Cleanup(srv.Close)
	tr.host = strings.TrimPrefix(srv.URL, "http://")
	return tr
}

func (tr *tokenRegistry) expire() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.live = map[string]string{}
}

// take returns the pings, tokens and users seen so far and starts again.
func (tr *tokenRegistry) take() (int, int, []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	p, n, s := tr.pings, tr.tokens, tr.seen
	tr.pings, tr.tokens, tr.seen = 0, 0, nil
	return p, n, s
}

// staticKeychain gives one user's credentials for every registry.
type staticKeychain struct{ user, pass string }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.FromConfig(authn.AuthConfig{Username: k.user, Password: k.pass}), nil
}

// ctxKeychain takes the user from the context, as the webhook's pull
// secrets do.
type ctxKeychain struct{ pw map[string]string }

type userKey struct{}

func (k *ctxKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.Anonymous, nil
}

func (k *ctxKeychain) ResolveContext(ctx context.Context, _ authn.Resource) (authn.Authenticator, error) {
	u, _ := ctx.Value(userKey{}).(string)
	return authn.FromConfig(authn.AuthConfig{Username: u, Password: k.pw[u]}), nil
}

func (k *ctxKeychain) CredentialsKey(ctx context.Context) (string, bool) {
	u, _ := ctx.Value(userKey{}).(string)
	return u, true
}

func pushTo(t *testing.T, tr *tokenRegistry, repo string) name.Reference {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(tr.host + "/" + repo + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithAuthFromKeychain(staticKeychain{"alice", "a-pw"})); err != nil {
		t.Fatal(err)
	}
	return ref
}

// Requests with one keychain share one ping and token per repository; a
// token that expired is fetched again; other credentials never ride on
// them.
func TestRemoteOptionsReuseAuthentication(t *testing.T) {
	tr := newTokenRegistry(t)
	ref := pushTo(t, tr, "models/a")
	ctx := context.Background()
	alice := Registry{Keychain: staticKeychain{"alice", "a-pw"}}
	head := func(r Registry, ctx context.Context) error {
		_, err := remote.Head(ref, r.RemoteOptions(ctx)...)
		return err
	}
	tr.take()
	for range 3 {
		if err := head(alice, ctx); err != nil {
			t.Fatal(err)
		}
	}
	if p, n, seen := tr.take(); p != 1 || n != 1 || len(seen) != 3 {
		t.Errorf("3 HEADs with one keychain: %d pings, %d tokens, %d requests; want 1, 1, 3", p, n, len(seen))
	}
	tr.expire()
	if err := head(alice, ctx); err != nil {
		t.Fatalf("after the token expired: %v", err)
	}
	if _, n, _ := tr.take(); n != 1 {
		t.Errorf("after the token expired: %d tokens fetched, want 1", n)
	}
	// Another user (a keychain of its own) gets a token of its own; a user
	// the registry does not know is refused although alice's token is live.
	if err := head(Registry{Keychain: staticKeychain{"bob", "b-pw"}}, ctx); err != nil {
		t.Fatal(err)
	}
	if _, n, seen := tr.take(); n != 1 || strings.Join(seen, ",") != "bob" {
		t.Errorf("bob: %d tokens, requests by %v; want 1 and bob's", n, seen)
	}
	if err := head(Registry{Keychain: staticKeychain{"mallory", "x"}}, ctx); err == nil {
		t.Error("mallory's request succeeded: it rode on someone else's token")
	}
	// One keychain whose answer depends on the context: shared per user.
	kc := &ctxKeychain{pw: map[string]string{"alice": "a-pw", "bob": "b-pw"}}
	byCtx := Registry{Keychain: kc}
	for _, u := range []string{"alice", "bob", "alice", "bob"} {
		if err := head(byCtx, context.WithValue(ctx, userKey{}, u)); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
	}
	if _, n, seen := tr.take(); n != 2 || strings.Join(seen, ",") != "alice,bob,alice,bob" {
		t.Errorf("context keychain: %d tokens, requests by %v; want 2 and alice,bob,alice,bob", n, seen)
	}
	if err := head(byCtx, context.WithValue(ctx, userKey{}, "mallory")); err == nil {
		t.Error("context keychain: mallory's request succeeded")
	}
}

// Open shares one authenticated transport per repository and credentials.
func TestOpenReusesAuthentication(t *testing.T) {
	tr := newTokenRegistry(t)
	ref := pushTo(t, tr, "models/b")
	ctx := context.Background()
	tr.take()
	for range 3 {
		a, err := OpenRemote(ctx, ref, WithRegistry(Registry{Keychain: staticKeychain{"alice", "a-pw"}}))
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
	}
	if p, n, _ := tr.take(); p != 1 || n != 1 {
		t.Errorf("3 opens: %d pings, %d tokens; want 1 and 1", p, n)
	}
	if _, err := OpenRemote(ctx, ref, WithRegistry(Registry{Keychain: staticKeychain{"mallory", "x"}})); err == nil {
		t.Error("mallory opened the artifact with someone else's token")
	}
	tr.expire()
	a, err := OpenRemote(ctx, ref, WithRegistry(Registry{Keychain: staticKeychain{"alice", "a-pw"}}))
	if err != nil {
		t.Fatalf("after the token expired: %v", err)
	}
	a.Close()
}
