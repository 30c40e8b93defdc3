package admission

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
)

// ErrPullSecret: an image pull secret does not parse.
var ErrPullSecret = errors.New("admission: image pull secret")

// dockerEntry is one registry's credentials in a docker config.
type dockerEntry struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
	RegistryToken string `json:"registrytoken"`
}

// credential is one entry, with the registry key it applies to split into
// a host pattern and a path prefix, as the kubelet matches them.
type credential struct {
	key, host, path string
	auth            authn.AuthConfig
}

// Credentials are registry credentials read from image pull secrets, looked
// up as the kubelet does: the host may hold '*' wildcards per DNS label, the
// key's path is a prefix of the repository, the longest matching key wins.
type Credentials struct{ creds []credential }

// ParseDockerConfig reads a kubernetes.io/dockerconfigjson document
// ({"auths": {...}}) or, with legacy, a kubernetes.io/dockercfg one (the
// auths map itself). what names the secret in errors.
func ParseDockerConfig(what string, data []byte, legacy bool) (*Credentials, error) {
	var auths map[string]dockerEntry
	var err error
	if legacy {
		err = json.Unmarshal(data, &auths)
	} else {
		var doc struct {
			Auths map[string]dockerEntry `json:"auths"`
		}
		err = json.Unmarshal(data, &doc)
		auths = doc.Auths
	}
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrPullSecret, what, err)
	}
	c := &Credentials{}
	keys := make([]string, 0, len(auths))
	for k := range auths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e := auths[k]
		ac := authn.AuthConfig{Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken, RegistryToken: e.RegistryToken}
		if e.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(e.Auth)
			if err != nil {
				return nil, fmt.Errorf("%w %s: auths[%q].auth: %w", ErrPullSecret, what, k, err)
			}
			u, p, ok := strings.Cut(string(raw), ":")
			if !ok {
				return nil, fmt.Errorf("%w %s: auths[%q].auth is not user:password", ErrPullSecret, what, k)
			}
			ac.Username, ac.Password = u, p
		}
		host, p := splitKey(k)
		if host == "" {
			continue
		}
		c.creds = append(c.creds, credential{key: k, host: host, path: p, auth: ac})
	}
	return c, nil
}

// splitKey turns "https://index.docker.io/v1/" into ("index.docker.io", "")
// and "registry.example/team" into ("registry.example", "team").
func splitKey(k string) (string, string) {
	k = strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://")
	k = strings.TrimSuffix(k, "/")
	host, p, _ := strings.Cut(k, "/")
	if p == "v1" || p == "v2" {
		p = ""
	}
	if host == "docker.io" || host == "registry-1.docker.io" {
		host = "index.docker.io"
	}
	return strings.ToLower(host), p
}

// Merge appends o's credentials after c's (c's win on equal keys).
func (c *Credentials) Merge(o *Credentials) {
	if o != nil {
		c.creds = append(c.creds, o.creds...)
	}
}

// key identifies the credentials by content (a SHA-256 over every entry,
// in order): requests under equal credentials may share
// authenticated registry connections (oci.CredentialsKeyer).
func (c *Credentials) key() string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, cr := range c.creds {
		_ = enc.Encode([]any{cr.key, cr.host, cr.path, cr.auth})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Len is the number of registry entries.
func (c *Credentials) Len() int { return len(c.creds) }

// lookup returns the credentials for repository repo ("path/name") at
// registry host, if an entry matches.
func (c *Credentials) lookup(host, repo string) (authn.AuthConfig, bool) {
	host = strings.ToLower(host)
	best := -1
	for i, cr := range c.creds {
		if !hostMatch(cr.host, host) || (cr.path != "" && repo != cr.path && !strings.HasPrefix(repo, cr.path+"/")) {
			continue
		}
		if best < 0 || len(cr.key) > len(c.creds[best].key) {
			best = i
		}
	}
	if best < 0 {
		return authn.AuthConfig{}, false
	}
	return c.creds[best].auth, true
}

// hostMatch matches host:port against a pattern whose DNS labels may be
// globs ("*.example.com"); the ports must be equal.
func hostMatch(pattern, host string) bool {
	ph, pp, _ := strings.Cut(pattern, ":")
	hh, hp, _ := strings.Cut(host, ":")
	if pp != hp {
		return false
	}
	pl, hl := strings.Split(ph, "."), strings.Split(hh, ".")
	if len(pl) != len(hl) {
		return false
	}
	for i := range pl {
		if ok, err := path.Match(pl[i], hl[i]); err != nil || !ok {
			return false
		}
	}
	return true
}
