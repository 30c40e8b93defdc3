package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"
	coreclient "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/verify/admission"
)

// configConflicts are the flags that --config replaces.
var configConflicts = []string{"key", "certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer",
	"certificate-oidc-issuer-regexp", "trusted-root", "require-tlog", "policy", "data", "require"}

// configRules reads --config: its trust roots and rules.
func (o *webhookOptions) configRules(cmd *cobra.Command) ([]admission.Option, error) {
	for _, n := range configConflicts {
		if cmd.Flags().Changed(n) {
			return nil, usageError{fmt.Errorf("--%s and --config: the configuration file says it (give one or the other)", n)}
		}
	}
	rules, allow, err := o.loadConfig(cmd.Context())
	if err != nil {
		return nil, usageError{err}
	}
	opts := []admission.Option{admission.WithRules(rules...)}
	if allow {
		opts = append(opts, admission.WithUnmatchedAllowedUnsafe())
	}
	return opts, nil
}

func (o *webhookOptions) loadConfig(ctx context.Context) ([]admission.Rule, bool, error) {
	cfg, err := admission.ReadConfig(o.config)
	if err != nil {
		return nil, false, err
	}
	rules, err := cfg.Build(ctx, o.registry())
	if err != nil {
		return nil, false, err
	}
	return rules, cfg.UnmatchedAllowed(), nil
}

// registry is how the webhook reaches registries: with --pull-secrets, the
// credentials of the object under review come first.
func (o *webhookOptions) registry() oci.Registry {
	r := o.reg.registry()
	if o.pullSecrets {
		r.Keychain = admission.PodKeychain(nil)
	}
	return r
}

// pullSecretSource reads pull secrets through the API server (--kubeconfig,
// else the in-cluster ServiceAccount).
func (o *webhookOptions) pullSecretSource() (admission.PullSecretSource, error) {
	var cfg *rest.Config
	var err error
	if o.kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	} else {
		cfg, err = rest.InClusterConfig()
	}
	if err != nil {
		return nil, usageError{fmt.Errorf("--pull-secrets: the API server: %w", err)}
	}
	cfg.Timeout = 5 * time.Second
	core, err := coreclient.NewForConfig(cfg)
	if err != nil {
		return nil, usageError{fmt.Errorf("--pull-secrets: %w", err)}
	}
	return admission.NewKubePullSecrets(core), nil
}

// configPoll is how often --config is checked for changes.
const configPoll = 2 * time.Second

// watchConfig reloads --config when its modification time or size changes,
// until ctx ends. A version that does not load is logged; the rules in use
// stay.
func (o *webhookOptions) watchConfig(ctx context.Context, h *admission.Handler, log *slog.Logger) {
	stamp := func() string {
		fi, err := os.Stat(o.config)
		if err != nil {
			return "error: " + err.Error()
		}
		return fmt.Sprintf("%d:%d", fi.ModTime().UnixNano(), fi.Size())
	}
	last := stamp()
	t := time.NewTicker(configPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := stamp()
		if now == last {
			continue
		}
		last = now
		rules, allow, err := o.loadConfig(ctx)
		if err == nil {
			err = h.SetRules(allow, rules...)
		}
		if err != nil {
			if !errors.Is(ctx.Err(), context.Canceled) {
				log.Error("configuration reload failed; the previous configuration stays in use", "config", o.config, "error", err.Error())
			}
			continue
		}
		log.Info("configuration reloaded", "config", o.config, "rules", len(rules))
	}
}
