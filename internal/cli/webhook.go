package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
	"github.com/seed-43c89ce6/aibom/verify/admission"
)

type webhookOptions struct {
	addr, certFile, keyFile, key string
	policy, data, require        string
	mutate, insecure             bool
	cacheSize                    int
	cacheTTL, timeout            time.Duration
}

func newWebhook(stderr io.Writer) *cobra.Command {
	o := &webhookOptions{}
	cmd := &cobra.Command{
		Use:   "webhook --tls-cert FILE --tls-key FILE --key PUB",
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

Audit records (one JSON object per review) go to stderr. The certificate and
key are reloaded when their files change (a renewed Secret).

Verification results that pass are cached by digest, policy revision, key and
--require (never by tag) for --cache-ttl.`,
		Example: `  aibom webhook --addr :8443 --tls-cert /tls/tls.crt --tls-key /tls/tls.key --key /trust/cosign.pub
  aibom webhook --addr :8443 --tls-cert tls.crt --tls-key tls.key --key cosign.pub \
      --policy ./policies --require signature,bom,scan --mutate`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runWebhook(cmd.Context(), o, stderr) },
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", ":8443", "HOST:PORT to listen on")
	f.StringVar(&o.certFile, "tls-cert", "", "TLS certificate (PEM); reloaded when it changes")
	f.StringVar(&o.keyFile, "tls-key", "", "TLS private key (PEM); reloaded when it changes")
	f.StringVar(&o.key, "key", "", "trusted public key: a PEM file or a KMS URI")
	f.StringVar(&o.policy, "policy", "", "Rego policy directory or file (default: the built-in bundle)")
	f.StringVar(&o.data, "data", "", "JSON or YAML data merged over the policies' data (e.g. {aibom: {params: ...}})")
	f.StringVar(&o.require, "require", "signature,bom", "what must verify: a comma-separated subset of signature, bom, scan")
	f.BoolVar(&o.mutate, "mutate", false, "on /mutate, answer with a JSONPatch that pins tags to the verified digests")
	f.BoolVar(&o.insecure, "insecure", false, "allow plain HTTP and unverified TLS for registries that are not on a loopback address")
	f.IntVar(&o.cacheSize, "cache-size", 10000, "verification results kept (0: no cache)")
	f.DurationVar(&o.cacheTTL, "cache-ttl", 5*time.Minute, "how long a verification result is kept")
	f.DurationVar(&o.timeout, "timeout", 8*time.Second, "time allowed for one review; when it ends the review denies (keep it under the webhook's timeoutSeconds)")
	return cmd
}

func runWebhook(ctx context.Context, o *webhookOptions, stderr io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	h, reg, err := o.build(ctx, log)
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
	log.Info("serving", "addr", ln.Addr().String(), "require", o.require, "policy", policyName(o.policy), "mutate", o.mutate)
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
func (o *webhookOptions) build(ctx context.Context, log *slog.Logger) (*admission.Handler, *prometheus.Registry, error) {
	if o.certFile == "" || o.keyFile == "" || o.key == "" {
		return nil, nil, usageError{errors.New("--tls-cert, --tls-key and --key are required")}
	}
	req, err := verify.ParseRequire(o.require)
	if err != nil {
		return nil, nil, usageError{err}
	}
	pub, err := verify.LoadPublicKey(ctx, o.key)
	if err != nil {
		return nil, nil, usageError{err}
	}
	pk, err := pub.PublicKey()
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("--key %s: %w", o.key, err)}
	}
	fp, err := admission.KeyFingerprint(pk)
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("--key %s: %w", o.key, err)}
	}
	ropts := (&registryOptions{insecure: o.insecure}).registry()
	v, err := verify.New(verify.Trust{Keys: []verify.Key{{Name: fp, Verifier: pub}}}, verify.WithRegistry(ropts))
	if err != nil {
		return nil, nil, usageError{err}
	}
	b, err := o.bundle()
	if err != nil {
		return nil, nil, usageError{err}
	}
	ev, err := policies.New(ctx, b)
	if err != nil {
		return nil, nil, usageError{err}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := admission.NewMetrics(reg)
	if err != nil {
		return nil, nil, err
	}
	opts := []admission.Option{admission.WithRegistry(ropts), admission.WithRequire(req), admission.WithTrustID(fp),
		admission.WithCache(admission.NewCache(o.cacheSize, o.cacheTTL)), admission.WithTimeout(o.timeout),
		admission.WithLogger(log), admission.WithMetrics(m)}
	if o.mutate {
		opts = append(opts, admission.WithMutate())
	}
	h, err := admission.New(v, ev, opts...)
	if err != nil {
		return nil, nil, usageError{err}
	}
	return h, reg, nil
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
	kinds := []any{}
	for _, k := range strings.Split(o.require, ",") {
		if k = strings.TrimSpace(k); k != "" {
			kinds = append(kinds, k)
		}
	}
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
