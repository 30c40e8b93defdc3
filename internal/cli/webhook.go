package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
	"github.com/seed-43c89ce6/aibom/verify/admission"
)

type webhookOptions struct {
	addr, certFile, keyFile string
	policy, data, require   string
	config                  string
	pullSecrets             bool
	kubeconfig              string
	mutate                  bool
	cacheSize               int
	cacheTTL, timeout       time.Duration
	trust                   trustOptions    // the flags of aibom verify
	reg                     registryOptions // likewise
}

func newWebhook(stderr io.Writer) *cobra.Command {
	o := &webhookOptions{}
	cmd := &cobra.Command{
		Use:   "webhook --tls-cert FILE --tls-key FILE (--key PUB | --certificate-identity ID ... | --config FILE)",
		Short: "Serve a Kubernetes admission webhook that admits only verified images and models",
		Long: `Serve Kubernetes AdmissionReview v1 over HTTPS. Every image of a Pod
(containers, init and ephemeral containers, image volumes), of the workloads
that create Pods (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
CronJob) and every oci:// storageUri of a KServe InferenceService is resolved
to a digest, verified as 'aibom verify' does (--key, --require) and evaluated
with the policies (--policy, or the built-in bundle with params.require set
from --require). One failing image denies the request, with a message naming
the image, its field and the policy rule.

Fail closed: a registry outage, a timeout or a policy error denies. Register
the webhook with failurePolicy: Fail.

Endpoints:
  POST /validate  for a ValidatingWebhookConfiguration (never patches)
  POST /mutate    for a MutatingWebhookConfiguration: with --mutate, the
                  answer pins every tag to the digest that was verified
  GET  /healthz   the process answers
  GET  /readyz    the certificate, key, policies and trust are loaded
  GET  /metrics   Prometheus metrics (decisions, latency, cache, errors)

With --pull-secrets, the registries are reached with the credentials of the
Pod's imagePullSecrets and of its ServiceAccount's (read through the API
server, as the kubelet merges them), else with the docker config. A
verification that passed is cached by digest, so another namespace's Pod
with the same digest is admitted without its own credentials: the kubelet
still needs them to pull.

Audit records (one JSON object per review) go to stderr. The certificate and
key are reloaded when their files change (a renewed Secret). So are the
trust and the policies when a file they are loaded from changes: --key,
--trusted-root, --policy (a file or any file under the directory) and
--data, or --config and the keys, trusted roots and policies it names. A
version that does not load is logged and the previous one stays in use;
verification results cached under the previous trust or policies are not
reused (the cache keys hash what was loaded).

Trust: --key, or keyless signers (--certificate-identity or -regexp with
--certificate-oidc-issuer or -regexp, and --trusted-root), the same flags as
'aibom verify'. For several trust roots, per-namespace modes (enforce, warn,
audit) and image patterns, give --config FILE instead (see
deploy/config.example.yaml): it is checked strictly at start-up (an error
names the field, e.g. rules[1].mode) and reloaded when the file changes (a
new version that does not load is logged and the previous one stays).

Verification results that pass are cached by digest, policy revision, trust
and --require (never by tag) for --cache-ttl.`,
		Example: `  aibom webhook --addr :8443 --tls-cert /tls/tls.crt --tls-key /tls/tls.key --key /trust/cosign.pub
  aibom webhook --addr :8443 --tls-cert tls.crt --tls-key tls.key --key cosign.pub \
      --policy ./policies --require signature,bom,scan --mutate
  aibom webhook --addr :8443 --tls-cert tls.crt --tls-key tls.key --trusted-root trusted_root.json \
      --certificate-identity-regexp 'https://github.com/example/models/.*' \
      --certificate-oidc-issuer https://token.actions.githubusercontent.com
  aibom webhook --addr :8443 --tls-cert tls.crt --tls-key tls.key --config /etc/aibom/webhook.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runWebhook(cmd, o, stderr) },
	}
	o.trust.AddFlags(cmd)
	o.reg.AddFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", ":8443", "HOST:PORT to listen on")
	f.StringVar(&o.certFile, "tls-cert", "", "TLS certificate (PEM); reloaded when it changes")
	f.StringVar(&o.keyFile, "tls-key", "", "TLS private key (PEM); reloaded when it changes")
	f.StringVar(&o.config, "config", "", "configuration file: trust roots, rules by namespace, labels and image, modes (replaces --key, the keyless flags, --policy, --data and --require)")
	f.StringVar(&o.policy, "policy", "", "Rego policy directory or file (default: the built-in bundle)")
	f.StringVar(&o.data, "data", "", "JSON or YAML data merged over the policies' data (e.g. {aibom: {params: ...}})")
	f.StringVar(&o.require, "require", "signature,bom", "what must verify: a comma-separated subset of signature, bom, scan, model-signing")
	f.BoolVar(&o.pullSecrets, "pull-secrets", false, "read each Pod's imagePullSecrets and its ServiceAccount's through the API server, for the registries (needs get on secrets and serviceaccounts)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "with --pull-secrets: the API server's kubeconfig (default: the in-cluster ServiceAccount)")
	f.BoolVar(&o.mutate, "mutate", false, "on /mutate, answer with a JSONPatch that pins tags to the verified digests")
	f.IntVar(&o.cacheSize, "cache-size", 10000, "verification results kept (0: no cache)")
	f.DurationVar(&o.cacheTTL, "cache-ttl", 5*time.Minute, "how long a verification result is kept")
	f.DurationVar(&o.timeout, "timeout", 8*time.Second, "time allowed for one review; when it ends the review denies (keep it under the webhook's timeoutSeconds)")
	return cmd
}

func runWebhook(cmd *cobra.Command, o *webhookOptions, stderr io.Writer) error {
	ctx := cmd.Context()
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	stamp := filesStamp(o.watched()) // before loading: a change while it loads is seen
	h, reg, err := o.build(cmd, log)
	if err != nil {
		return err
	}
	certs, err := admission.NewCertReloader(o.certFile, o.keyFile, log)
	if err != nil {
		return usageError{err}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return usageError{fmt.Errorf("--addr %s: %w", o.addr, err)}
	}
	srv := &http.Server{Handler: admission.Mux(h, reg, func() bool { return true }), TLSConfig: certs.TLSConfig(),
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: o.timeout + 5*time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	if o.config != "" {
		log.Info("serving", "addr", ln.Addr().String(), "config", o.config, "mutate", o.mutate)
	} else {
		log.Info("serving", "addr", ln.Addr().String(), "require", o.require, "policy", policyName(o.policy), "mutate", o.mutate)
	}
	go o.watch(cmd, h, stamp, log)
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		log.Info("shutting down")
		if err := srv.Shutdown(sctx); err != nil {
			return err
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

func policyName(p string) string {
	if p == "" {
		return "built-in"
	}
	return p
}

// build loads the trust, the policies and the handler; every mistake is a
// usage error (exit 2).
func (o *webhookOptions) build(cmd *cobra.Command, log *slog.Logger) (*admission.Handler, *prometheus.Registry, error) {
	if o.certFile == "" || o.keyFile == "" {
		return nil, nil, usageError{errors.New("--tls-cert and --tls-key are required")}
	}
	if o.config != "" {
		if err := configConflict(cmd); err != nil {
			return nil, nil, err
		}
	}
	rules, allow, err := o.rules(cmd)
	if err != nil {
		return nil, nil, usageError{err}
	}
	opts := []admission.Option{admission.WithRules(rules...)}
	if allow {
		opts = append(opts, admission.WithUnmatchedAllowedUnsafe())
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := admission.NewMetrics(reg)
	if err != nil {
		return nil, nil, err
	}
	if o.pullSecrets {
		src, err := o.pullSecretSource()
		if err != nil {
			return nil, nil, err
		}
		opts = append(opts, admission.WithPullSecrets(src))
	}
	opts = append(opts, admission.WithRegistry(o.registry()),
		admission.WithCache(admission.NewCache(o.cacheSize, o.cacheTTL)), admission.WithTimeout(o.timeout),
		admission.WithLogger(log), admission.WithMetrics(m))
	if o.mutate {
		opts = append(opts, admission.WithMutate())
	}
	h, err := admission.New(nil, nil, opts...)
	if err != nil {
		return nil, nil, usageError{err}
	}
	return h, reg, nil
}

// flagRule is the single rule of the start-up contract: the trust flags,
// --require and --policy for every image.
func (o *webhookOptions) flagRule(cmd *cobra.Command) (admission.Rule, error) {
	ctx := cmd.Context()
	req, err := verify.ParseRequire(o.require)
	if err != nil {
		return admission.Rule{}, err
	}
	trust, err := o.trust.trust(cmd)
	if err != nil {
		return admission.Rule{}, err
	}
	id, err := trustID(&trust, o.trust.trustedRoot, o.trust.requireTlog)
	if err != nil {
		return admission.Rule{}, err
	}
	vopts := []verify.Option{verify.WithRegistry(o.registry())}
	if o.trust.requireTlog {
		vopts = append(vopts, verify.WithRequireTlog())
	}
	v, err := verify.New(trust, vopts...)
	if err != nil {
		return admission.Rule{}, err
	}
	b, err := o.bundle()
	if err != nil {
		return admission.Rule{}, err
	}
	ev, err := policies.New(ctx, b)
	if err != nil {
		return admission.Rule{}, err
	}
	return admission.Rule{Name: "default", Verifier: v, Evaluator: ev, Require: req, TrustID: id, Mode: admission.ModeEnforce}, nil
}

// trustID names the keys by their fingerprints (the policies'
// keyFingerprint) and returns an ID of the whole trust configuration, for
// the cache keys.
func trustID(t *verify.Trust, trustedRoot string, tlog bool) (string, error) {
	h := sha256.New()
	for i, k := range t.Keys {
		pk, err := k.Verifier.PublicKey()
		if err != nil {
			return "", fmt.Errorf("--key %s: %w", k.Name, err)
		}
		fp, err := admission.KeyFingerprint(pk)
		if err != nil {
			return "", fmt.Errorf("--key %s: %w", k.Name, err)
		}
		t.Keys[i].Name = fp
		fmt.Fprintf(h, "key %s\n", fp)
	}
	for _, id := range t.Identities {
		fmt.Fprintf(h, "identity %q %q %q %q\n", id.Subject, id.SubjectRegexp, id.Issuer, id.IssuerRegexp)
	}
	if trustedRoot != "" {
		raw, err := os.ReadFile(trustedRoot)
		if err != nil {
			return "", fmt.Errorf("--trusted-root: %w", err)
		}
		fmt.Fprintf(h, "root %x tlog %v\n", sha256.Sum256(raw), tlog)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// bundle is --policy, or the built-in bundle whose params.require follows
// --require; --data is merged over either (so it may set params.require).
func (o *webhookOptions) bundle() (*policies.Bundle, error) {
	if o.policy != "" {
		return loadPolicies(o.policy, o.data)
	}
	b, err := policies.DefaultBundle()
	if err != nil {
		return nil, err
	}
	req, err := verify.ParseRequire(o.require)
	if err != nil {
		return nil, err
	}
	kinds := admission.RequireKinds(req)
	if b, err = b.WithData(map[string]any{"aibom": map[string]any{"params": map[string]any{"require": kinds}}}); err != nil {
		return nil, err
	}
	if o.data == "" {
		return b, nil
	}
	d, err := policies.LoadData(o.data, policies.DefaultLimits().MaxFileSize)
	if err != nil {
		return nil, err
	}
	return b.WithData(d)
}
