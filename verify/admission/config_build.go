package admission

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
)

// validate checks what can be checked without reading other files; errors
// name the field's path.
func (c *Config) validate() error {
	if c.APIVersion != ConfigAPIVersion || c.Kind != ConfigKind {
		return fmt.Errorf("apiVersion/kind: want %s %s, got %q %q", ConfigAPIVersion, ConfigKind, c.APIVersion, c.Kind)
	}
	if c.Unmatched != "" && c.Unmatched != "deny" && c.Unmatched != "allow" {
		return fmt.Errorf("unmatched: %q (want deny or allow)", c.Unmatched)
	}
	roots := map[string]bool{}
	for i, tr := range c.TrustRoots {
		at := fmt.Sprintf("trustRoots[%d]", i)
		if err := tr.validate(at); err != nil {
			return err
		}
		if roots[tr.Name] {
			return fmt.Errorf("%s.name: %q is used twice", at, tr.Name)
		}
		roots[tr.Name] = true
	}
	if len(c.Rules) == 0 {
		return fmt.Errorf("rules: at least one rule is needed")
	}
	names := map[string]bool{}
	for i, r := range c.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		if err := r.validate(at, roots); err != nil {
			return err
		}
		if names[r.Name] {
			return fmt.Errorf("%s.name: %q is used twice", at, r.Name)
		}
		names[r.Name] = true
	}
	return nil
}

func (tr *TrustRootConfig) validate(at string) error {
	if strings.TrimSpace(tr.Name) == "" {
		return fmt.Errorf("%s.name: empty", at)
	}
	if len(tr.Keys) == 0 && len(tr.Identities) == 0 {
		return fmt.Errorf("%s: give keys or identities (an empty trust root would trust no one)", at)
	}
	for j, k := range tr.Keys {
		if strings.TrimSpace(k) == "" {
			return fmt.Errorf("%s.keys[%d]: empty", at, j)
		}
	}
	if len(tr.Identities) > 0 && tr.TrustedRoot == "" {
		return fmt.Errorf("%s.trustedRoot: identities need a Sigstore trusted_root.json", at)
	}
	if tr.RequireTlog && tr.TrustedRoot == "" {
		return fmt.Errorf("%s.requireTlog: needs trustedRoot", at)
	}
	for j, id := range tr.Identities {
		p := fmt.Sprintf("%s.identities[%d]", at, j)
		if (id.Subject == "") == (id.SubjectRegexp == "") {
			return fmt.Errorf("%s: exactly one of subject and subjectRegexp (empty would match anyone)", p)
		}
		if (id.Issuer == "") == (id.IssuerRegexp == "") {
			return fmt.Errorf("%s: exactly one of issuer and issuerRegexp (empty would match anyone)", p)
		}
		if _, err := (verify.Identity{Subject: id.Subject, SubjectRegexp: id.SubjectRegexp, Issuer: id.Issuer, IssuerRegexp: id.IssuerRegexp}).CertificateIdentity(); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

func (r *RuleConfig) validate(at string, roots map[string]bool) error {
	if strings.TrimSpace(r.Name) == "" {
		return fmt.Errorf("%s.name: empty", at)
	}
	if len(r.TrustRoots) == 0 {
		return fmt.Errorf("%s.trustRoots: name at least one trust root", at)
	}
	for j, n := range r.TrustRoots {
		if !roots[n] {
			return fmt.Errorf("%s.trustRoots[%d]: no trust root is named %q", at, j, n)
		}
	}
	if _, err := ParseMode(r.Mode); err != nil {
		return fmt.Errorf("%s.mode: %w", at, err)
	}
	if _, err := verify.ParseRequire(r.requireString()); err != nil {
		return fmt.Errorf("%s.require: %w", at, err)
	}
	if _, err := compilePatterns(r.Namespaces); err != nil {
		return fmt.Errorf("%s.namespaces: %w", at, err)
	}
	if _, err := compilePatterns(r.Images); err != nil {
		return fmt.Errorf("%s.images: %w", at, err)
	}
	if r.ObjectSelector != nil {
		if _, err := metav1.LabelSelectorAsSelector(r.ObjectSelector); err != nil {
			return fmt.Errorf("%s.objectSelector: %w", at, err)
		}
	}
	return nil
}

func (r *RuleConfig) requireString() string {
	if len(r.Require) == 0 {
		return "signature,bom"
	}
	return strings.Join(r.Require, ",")
}

// UnmatchedAllowed says whether images that no rule covers are admitted.
func (c *Config) UnmatchedAllowed() bool { return c.Unmatched == "allow" }

// Build loads what the configuration names (keys, trusted roots, policies)
// and builds the Handler's rules; reg is how registries are reached. Errors
// name the field's path.
func (c *Config) Build(ctx context.Context, reg oci.Registry) ([]Rule, error) {
	trusts := map[string]*builtTrust{}
	for i := range c.TrustRoots {
		tr := &c.TrustRoots[i]
		bt, err := buildTrust(ctx, tr)
		if err != nil {
			return nil, fmt.Errorf("%w: trustRoots[%d] (%s): %w", ErrConfigFile, i, tr.Name, err)
		}
		trusts[tr.Name] = bt
	}
	rules := make([]Rule, 0, len(c.Rules))
	for i := range c.Rules {
		r, err := c.Rules[i].build(ctx, trusts, reg)
		if err != nil {
			return nil, fmt.Errorf("%w: rules[%d] (%s): %w", ErrConfigFile, i, c.Rules[i].Name, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

type builtTrust struct {
	trust       verify.Trust
	trustedRoot string // the file
	requireTlog bool
	id          string
}

func buildTrust(ctx context.Context, tr *TrustRootConfig) (*builtTrust, error) {
	bt := &builtTrust{trustedRoot: tr.TrustedRoot, requireTlog: tr.RequireTlog}
	h := sha256.New()
	for j, k := range tr.Keys {
		v, err := verify.LoadPublicKey(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", j, err)
		}
		pk, err := v.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("keys[%d] %s: %w", j, k, err)
		}
		fp, err := KeyFingerprint(pk)
		if err != nil {
			return nil, fmt.Errorf("keys[%d] %s: %w", j, k, err)
		}
		bt.trust.Keys = append(bt.trust.Keys, verify.Key{Name: fp, Verifier: v})
		fmt.Fprintf(h, "key %s\n", fp)
	}
	for _, id := range tr.Identities {
		vid := verify.Identity{Subject: id.Subject, SubjectRegexp: id.SubjectRegexp, Issuer: id.Issuer, IssuerRegexp: id.IssuerRegexp}
		bt.trust.Identities = append(bt.trust.Identities, vid)
		fmt.Fprintf(h, "identity %q %q %q %q\n", id.Subject, id.SubjectRegexp, id.Issuer, id.IssuerRegexp)
	}
	if tr.TrustedRoot != "" {
		raw, err := os.ReadFile(tr.TrustedRoot)
		if err != nil {
			return nil, fmt.Errorf("trustedRoot: %w", err)
		}
		m, err := root.NewTrustedRootFromJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("trustedRoot %s: %w", tr.TrustedRoot, err)
		}
		bt.trust.TrustedMaterial = m
		sum := sha256.Sum256(raw)
		fmt.Fprintf(h, "root %x tlog %v\n", sum, tr.RequireTlog)
	}
	bt.id = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return bt, nil
}

func (r *RuleConfig) build(ctx context.Context, trusts map[string]*builtTrust, reg oci.Registry) (Rule, error) {
	out := Rule{Name: r.Name, Match: Match{Namespaces: r.Namespaces, Images: r.Images}, Mode: Mode(r.Mode)}
	var err error
	if out.Require, err = verify.ParseRequire(r.requireString()); err != nil {
		return out, err
	}
	if r.ObjectSelector != nil {
		if out.Match.Objects, err = metav1.LabelSelectorAsSelector(r.ObjectSelector); err != nil {
			return out, fmt.Errorf("objectSelector: %w", err)
		}
	}
	var trust verify.Trust
	var ids []string
	tlog, rootFile := false, ""
	for _, n := range r.TrustRoots {
		bt := trusts[n]
		trust.Keys = append(trust.Keys, bt.trust.Keys...)
		trust.Identities = append(trust.Identities, bt.trust.Identities...)
		if bt.trust.TrustedMaterial != nil {
			if rootFile != "" && rootFile != bt.trustedRoot {
				return out, fmt.Errorf("trustRoots: %s and %s name different trusted roots; one rule can use one", rootFile, bt.trustedRoot)
			}
			rootFile, trust.TrustedMaterial = bt.trustedRoot, bt.trust.TrustedMaterial
		}
		tlog = tlog || bt.requireTlog
		ids = append(ids, bt.id)
	}
	out.TrustID = strings.Join(ids, "+")
	opts := []verify.Option{verify.WithRegistry(reg)}
	if tlog {
		opts = append(opts, verify.WithRequireTlog())
	}
	if out.Verifier, err = verify.New(trust, opts...); err != nil {
		return out, err
	}
	b, err := ruleBundle(r, out.Require)
	if err != nil {
		return out, fmt.Errorf("policy: %w", err)
	}
	if out.Evaluator, err = policies.New(ctx, b); err != nil {
		return out, fmt.Errorf("policy: %w", err)
	}
	return out, nil
}

// ruleBundle is the rule's policy bundle, or the built-in one with
// params.require from the rule's require; data is merged over either.
func ruleBundle(r *RuleConfig, req verify.Require) (*policies.Bundle, error) {
	var b *policies.Bundle
	var err error
	if r.Policy != "" {
		b, err = policies.LoadBundle(r.Policy, policies.DefaultLimits())
	} else if b, err = policies.DefaultBundle(); err == nil {
		b, err = b.WithData(map[string]any{"aibom": map[string]any{"params": map[string]any{"require": RequireKinds(req)}}})
	}
	if err != nil || r.Data == nil {
		return b, err
	}
	return b.WithData(r.Data)
}

// RequireKinds lists what req requires, as the policies' params.require.
func RequireKinds(req verify.Require) []any {
	kinds := []any{}
	for _, k := range []struct {
		on   bool
		name string
	}{{req.Signature, "signature"}, {req.BOM, "bom"}, {req.Scan, "scan"}, {req.ModelSigning, policies.KindModelSigning}} {
		if k.on {
			kinds = append(kinds, k.name)
		}
	}
	return kinds
}
