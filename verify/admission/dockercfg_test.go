package admission

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

func TestDockerConfigLookup(t *testing.T) {
	auth := func(u, p string) string { return base64.StdEncoding.EncodeToString([]byte(u + ":" + p)) }
	doc := `{"auths":{
		"https://index.docker.io/v1/":{"auth":"` + auth("hub", "h") + `"},
		"registry.example:5000":{"username":"plain","password":"p"},
		"registry.example:5000/team":{"auth":"` + auth("team", "t") + `"},
		"*.corp.example":{"auth":"` + auth("corp", "c") + `"}}}`
	c, err := ParseDockerConfig("secret ns/x", []byte(doc), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct{ host, repo, user string }{
		{"index.docker.io", "library/nginx", "hub"},
		{"registry.example:5000", "other/m", "plain"},
		{"registry.example:5000", "team/m", "team"},
		{"registry.example:5000", "teamwork/m", "plain"},
		{"eu.corp.example", "m", "corp"},
		{"a.b.corp.example", "m", ""},
		{"registry.example", "team/m", ""},
	} {
		ac, ok := c.lookup(x.host, x.repo)
		if ac.Username != x.user || ok != (x.user != "") {
			t.Errorf("%s/%s: %q %v, want %q", x.host, x.repo, ac.Username, ok, x.user)
		}
	}
	legacy, err := ParseDockerConfig("secret ns/y", []byte(`{"registry.example:5000":{"auth":"`+auth("old", "o")+`"}}`), true)
	if err != nil {
		t.Fatal(err)
	}
	if ac, _ := legacy.lookup("registry.example:5000", "m"); ac.Username != "old" {
		t.Errorf("legacy dockercfg: %q", ac.Username)
	}
	for _, bad := range []string{`{"auths":{"h":{"auth":"!!"}}}`, `{"auths":{"h":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("nocolon")) + `"}}}`, `{"auths":[]}`, `{`} {
		if _, err := ParseDockerConfig("secret ns/z", []byte(bad), false); !errors.Is(err, ErrPullSecret) || !strings.Contains(err.Error(), "secret ns/z") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// The pod's credentials come first; without them, the fallback keychain.
func TestPodKeychain(t *testing.T) {
	c, err := ParseDockerConfig("s", []byte(`{"auths":{"registry.example":{"username":"u","password":"p"}}}`), false)
	if err != nil {
		t.Fatal(err)
	}
	kc := PodKeychain(authn.NewMultiKeychain())
	repo, _ := name.NewRepository("registry.example/m")
	ctx := withCredentials(context.Background(), c)
	a, err := authn.Resolve(ctx, kc, repo)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := a.Authorization()
	if cfg.Username != "u" || cfg.Password != "p" {
		t.Errorf("pod credentials not used: %+v", cfg)
	}
	a, _ = authn.Resolve(context.Background(), kc, repo)
	if a != authn.Anonymous {
		t.Errorf("without pod credentials: %v, want the fallback's anonymous", a)
	}
}

// FuzzDockerConfig: a pull secret either parses or fails with
// ErrPullSecret; lookups on what parsed never panic.
func FuzzDockerConfig(f *testing.F) {
	f.Add([]byte(`{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"},"*.x:1/p":{"username":"a"}}}`), false)
	f.Add([]byte(`{"r:5000":{"auth":"dTpw"}}`), true)
	f.Fuzz(func(t *testing.T, doc []byte, legacy bool) {
		c, err := ParseDockerConfig("s", doc, legacy)
		if err != nil {
			if !errors.Is(err, ErrPullSecret) {
				t.Fatalf("no sentinel: %v", err)
			}
			return
		}
		c.lookup("index.docker.io", "library/x")
		c.lookup("a.x:1", "p/q")
	})
}
