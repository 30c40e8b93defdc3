package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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

// configConflict reports a flag that --config replaces.
func configConflict(cmd *cobra.Command) error {
	for _, n := range configConflicts {
		if cmd.Flags().Changed(n) {
			return usageError{fmt.Errorf("--%s and --config: the configuration file says it (give one or the other)", n)}
		}
	}
	return nil
}

// rules loads the rules: those of --config, or the one of the flags; and
// whether images no rule covers are admitted.
func (o *webhookOptions) rules(cmd *cobra.Command) ([]admission.Rule, bool, error) {
	if o.config != "" {
		return o.loadConfig(cmd.Context())
	}
	r, err := o.flagRule(cmd)
	if err != nil {
		return nil, false, err
	}
	return []admission.Rule{r}, false, nil
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

// configPoll is how often the watched files are checked for changes.
const configPoll = 2 * time.Second

// watched lists the files the rules are loaded from: --config and the keys,
// trusted roots and policies it names (when it parses), or the files of
// --key, --trusted-root, --policy and --data. KMS keys are not files.
func (o *webhookOptions) watched() []string {
	var out []string
	add := func(paths ...string) {
		for _, p := range paths {
			if p != "" && !strings.Contains(p, "://") {
				out = append(out, p)
			}
		}
	}
	if o.config == "" {
		add(o.trust.key, o.trust.trustedRoot, o.policy, o.data)
		return out
	}
	add(o.config)
	cfg, err := admission.ReadConfig(o.config)
	if err != nil {
		return out
	}
	for _, tr := range cfg.TrustRoots {
		add(tr.Keys...)
		add(tr.TrustedRoot)
	}
	for _, r := range cfg.Rules {
		add(r.Policy)
	}
	return out
}

// maxStampedContent is the largest file whose content (not only its size
// and time) the stamp covers.
const maxStampedContent = 4 << 20

// filesStamp changes when one of the files, or a file under one of the
// directories, changes: appears, goes, or changes its time, size or
// content.
func filesStamp(paths []string) string {
	h := sha256.New()
	file := func(p string) {
		fi, err := os.Stat(p) // follows symbolic links, as a Secret's volume has
		if err != nil {
			fmt.Fprintf(h, "%q: %v\n", p, err)
			return
		}
		fmt.Fprintf(h, "%q %d %d\n", p, fi.Size(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() && fi.Size() <= maxStampedContent {
			if b, err := os.ReadFile(p); err == nil {
				h.Write(b)
			}
		}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			file(p)
			continue
		}
		_ = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(h, "%q: %v\n", q, err)
				return nil
			}
			if !d.IsDir() {
				file(q)
			}
			return nil
		})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// watch reloads the rules when --config, or a key, trusted root, policy or
// data file that it or the flags name, changes (last is the stamp they were
// loaded under), until the command's context ends. A version that does not
// load is logged and the rules in use stay. Trust and policy IDs in the
// verification cache's keys are hashes of what was loaded, so that results
// verified under the previous trust or policies are not reused.
func (o *webhookOptions) watch(cmd *cobra.Command, h *admission.Handler, last string, log *slog.Logger) {
	ctx := cmd.Context()
	t := time.NewTicker(configPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		files := o.watched()
		now := filesStamp(files)
		if now == last {
			continue
		}
		last = now
		rules, allow, err := o.rules(cmd)
		if err == nil {
			err = h.SetRules(allow, rules...)
		}
		if err != nil {
			if !errors.Is(ctx.Err(), context.Canceled) {
				log.Error("configuration reload failed; the previous configuration stays in use", "files", files, "error", err.Error())
			}
			continue
		}
		log.Info("configuration reloaded", "files", files, "rules", len(rules))
	}
}
