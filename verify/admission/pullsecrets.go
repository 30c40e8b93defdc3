package admission

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coreclient "k8s.io/client-go/kubernetes/typed/core/v1"
)

// PullSecretSource finds the registry credentials of an object's pods: its
// imagePullSecrets, then those of its ServiceAccount ("default" when it
// names none), as the kubelet merges them.
type PullSecretSource interface {
	Credentials(ctx context.Context, namespace, serviceAccount string, secrets []string) (*Credentials, error)
}

// KubePullSecrets reads Secrets and ServiceAccounts through the API server
// (it needs get on secrets and serviceaccounts).
type KubePullSecrets struct{ core coreclient.CoreV1Interface }

// NewKubePullSecrets reads through core.
func NewKubePullSecrets(core coreclient.CoreV1Interface) *KubePullSecrets {
	return &KubePullSecrets{core: core}
}

// Credentials reads the named secrets and the service account's pull
// secrets. A secret or service account that does not exist is skipped (the
// kubelet skips it too, and an image that needs it then does not resolve:
// the review denies); any other error is returned with what was read.
func (k *KubePullSecrets) Credentials(ctx context.Context, ns, sa string, names []string) (*Credentials, error) {
	if sa == "" {
		sa = "default"
	}
	all := append([]string(nil), names...)
	var firstErr error
	acc, err := k.core.ServiceAccounts(ns).Get(ctx, sa, metav1.GetOptions{})
	switch {
	case err == nil:
		for _, r := range acc.ImagePullSecrets {
			all = append(all, r.Name)
		}
	case !apierrors.IsNotFound(err):
		firstErr = fmt.Errorf("%w: serviceaccount %s/%s: %w", ErrPullSecret, ns, sa, err)
	}
	out := &Credentials{}
	seen := map[string]bool{}
	for _, n := range all {
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		c, err := k.secret(ctx, ns, n)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		out.Merge(c)
	}
	return out, firstErr
}

func (k *KubePullSecrets) secret(ctx context.Context, ns, name string) (*Credentials, error) {
	s, err := k.core.Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: secret %s/%s: %w", ErrPullSecret, ns, name, err)
	}
	what := "secret " + ns + "/" + name
	switch s.Type {
	case corev1.SecretTypeDockerConfigJson:
		return ParseDockerConfig(what, s.Data[corev1.DockerConfigJsonKey], false)
	case corev1.SecretTypeDockercfg:
		return ParseDockerConfig(what, s.Data[corev1.DockerConfigKey], true)
	default: // Opaque, basic-auth, TLS, ...: not registry credentials
	}
	return nil, fmt.Errorf("%w: %s has type %q, not %s", ErrPullSecret, what, s.Type, corev1.SecretTypeDockerConfigJson)
}

type credsKey struct{}

// withCredentials makes c the first place PodKeychain looks under ctx.
func withCredentials(ctx context.Context, c *Credentials) context.Context {
	if c == nil || c.Len() == 0 {
		return ctx
	}
	return context.WithValue(ctx, credsKey{}, c)
}

// podKeychain resolves credentials from the pull secrets of the object under
// review (carried by the request's context), else from fallback.
type podKeychain struct{ fallback authn.Keychain }

// PodKeychain is the keychain for a Handler WithPullSecrets: give it (in an
// oci.Registry) to the Handler and to the rules' Verifiers. fallback nil is
// authn.DefaultKeychain.
func PodKeychain(fallback authn.Keychain) authn.Keychain {
	if fallback == nil {
		fallback = authn.DefaultKeychain
	}
	return podKeychain{fallback: fallback}
}

func (k podKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	return k.fallback.Resolve(r)
}

// CredentialsKey implements oci.CredentialsKeyer: requests share
// authenticated connections only with requests under the same pull secrets
// (or under none: the fallback keychain).
func (k podKeychain) CredentialsKey(ctx context.Context) (string, bool) {
	if c, ok := ctx.Value(credsKey{}).(*Credentials); ok {
		return "pull-secrets:" + c.key(), true
	}
	if _, ok := k.fallback.(authn.ContextKeychain); ok && k.fallback != authn.DefaultKeychain {
		return "", false
	}
	return "", true
}

func (k podKeychain) ResolveContext(ctx context.Context, r authn.Resource) (authn.Authenticator, error) {
	if c, ok := ctx.Value(credsKey{}).(*Credentials); ok {
		repo := ""
		if rr, ok := r.(interface{ RepositoryStr() string }); ok {
			repo = rr.RepositoryStr()
		}
		if ac, ok := c.lookup(r.RegistryStr(), repo); ok {
			return authn.FromConfig(ac), nil
		}
	}
	return authn.Resolve(ctx, k.fallback, r)
}

// WithPullSecrets makes the handler read each object's image pull secrets
// (and its ServiceAccount's) from src and use them for the registries; the
// registry's Keychain (WithRegistry, and the Verifiers') must be
// PodKeychain.
func WithPullSecrets(src PullSecretSource) Option { return func(h *Handler) { h.pull = src } }
