package oci

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Scheme prefixes a registry reference on the command line ("oci://REF").
const Scheme = "oci://"

// ErrNotReference is returned by ParseReference for a string that is not an
// image reference.
var ErrNotReference = errors.New("oci: not an image reference")

// Registry says how registries are reached. The zero value uses the docker
// config and credential helpers (authn.DefaultKeychain), HTTPS, and
// http.DefaultTransport.
type Registry struct {
	// Insecure allows plain HTTP (and unverified TLS) for registries that
	// are not on a loopback address. Loopback registries may always use
	// plain HTTP, as go-containerregistry allows.
	Insecure bool
	// Keychain resolves credentials; nil means authn.DefaultKeychain.
	Keychain authn.Keychain
	// Transport is the HTTP transport; nil means remote.DefaultTransport.
	Transport http.RoundTripper
	// UserAgent is added to every request.
	UserAgent string
}

// ParseReference parses "oci://REF" or "REF" into a reference. Without a
// tag or digest, "latest" is implied, as docker and crane do.
func (r Registry) ParseReference(s string) (name.Reference, error) {
	s = strings.TrimPrefix(s, Scheme)
	var opts []name.Option
	if r.Insecure {
		opts = append(opts, name.Insecure)
	}
	ref, err := name.ParseReference(s, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrNotReference, s, err)
	}
	return ref, nil
}

// RemoteOptions returns the go-containerregistry options for a request made
// under ctx. Requests with the same keychain, credentials, transport and
// user agent share one remote.Puller (remote.Reuse), so that a repository is
// pinged and authenticated once, not on every call (see CredentialsKeyer).
// Options appended after these apply where go-containerregistry reads them
// per call; for a page size or retry policy of its own, give a Puller of
// its own (NewPuller) with remote.Reuse after them.
func (r Registry) RemoteOptions(ctx context.Context) []remote.Option {
	opts := r.baseOptions(ctx)
	if p := r.sharedPuller(ctx); p != nil {
		opts = append(opts, remote.Reuse(p))
	}
	return opts
}

// IsLoopback reports whether a registry host ("127.0.0.1:5000",
// "localhost", "[::1]:443") is on this machine.
func IsLoopback(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = strings.Trim(host, "[]")
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// transport returns Transport; with Insecure and no Transport, a copy of
// remote.DefaultTransport that does not verify TLS certificates (one for the
// process); else nil (go-containerregistry's default).
func (r Registry) transport() http.RoundTripper {
	if r.Transport != nil || !r.Insecure {
		return r.Transport
	}
	return insecureTransport()
}
