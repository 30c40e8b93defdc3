package admission

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
)

// Mode says what a rule's failures do.
type Mode string

const (
	// ModeEnforce denies (the default).
	ModeEnforce Mode = "enforce"
	// ModeWarn admits, and returns the reasons as admission warnings (shown
	// by kubectl) and in the audit record.
	ModeWarn Mode = "warn"
	// ModeAudit admits, and records the reasons in the audit record only.
	ModeAudit Mode = "audit"
)

// ParseMode reads a mode's name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeEnforce, ModeWarn, ModeAudit:
		return m, nil
	case "":
		return ModeEnforce, nil
	}
	return "", fmt.Errorf("%w: unknown mode %q (want enforce, warn or audit)", ErrConfig, s)
}

// Match says which images a Rule covers: all of its non-empty parts must
// match. Patterns are wildcards over the whole string: '*' stands for any
// run of characters ('/' included), '?' for one.
type Match struct {
	// Namespaces are patterns of the object's namespace.
	Namespaces []string
	// Objects selects by the object's labels (nil: any).
	Objects labels.Selector
	// Images are patterns of the reference as written in the object.
	Images []string
}

// Rule is one trust configuration and policy bundle, for the images its
// Match covers.
type Rule struct {
	Name      string
	Match     Match
	Verifier  *verify.Verifier
	Evaluator *policies.Evaluator
	Require   verify.Require
	// TrustID names the Verifier's trust configuration in cache keys.
	TrustID string
	Mode    Mode

	ns, images []*regexp.Regexp
}

func (r *Rule) compile() error {
	if r.Verifier == nil || r.Evaluator == nil {
		return fmt.Errorf("%w: rule %q needs a verifier and an evaluator", ErrConfig, r.Name)
	}
	m, err := ParseMode(string(r.Mode))
	if err != nil {
		return fmt.Errorf("rule %q: %w", r.Name, err)
	}
	r.Mode = m
	if r.ns, err = compilePatterns(r.Match.Namespaces); err != nil {
		return fmt.Errorf("rule %q: namespaces: %w", r.Name, err)
	}
	if r.images, err = compilePatterns(r.Match.Images); err != nil {
		return fmt.Errorf("rule %q: images: %w", r.Name, err)
	}
	return nil
}

// compilePatterns turns wildcards into anchored regular expressions.
func compilePatterns(ps []string) ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, 0, len(ps))
	for _, p := range ps {
		if p == "" {
			return nil, fmt.Errorf("%w: an empty pattern matches nothing; leave the list out to match everything", ErrConfig)
		}
		var b strings.Builder
		b.WriteString(`\A`)
		for _, c := range p {
			switch c {
			case '*':
				b.WriteString(`.*`)
			case '?':
				b.WriteString(`.`)
			default:
				b.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		b.WriteString(`\z`)
		re, err := regexp.Compile(b.String())
		if err != nil {
			return nil, fmt.Errorf("%w: pattern %q: %w", ErrConfig, p, err)
		}
		out = append(out, re)
	}
	return out, nil
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	if len(res) == 0 {
		return true
	}
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func (r *Rule) matches(obj *Object, ref string) bool {
	if !anyMatch(r.ns, obj.Namespace) || !anyMatch(r.images, ref) {
		return false
	}
	return r.Match.Objects == nil || r.Match.Objects.Matches(labels.Set(obj.Labels))
}

// ruleFor is the first rule that covers ref in obj, or nil.
func (rs *ruleSet) ruleFor(obj *Object, ref string) *Rule {
	for i := range rs.rules {
		if rs.rules[i].matches(obj, ref) {
			return &rs.rules[i]
		}
	}
	return nil
}

// WithRules replaces the single trust configuration of New by rules, tried
// in order: the first whose Match covers an image checks it. An image that
// no rule covers is denied, unless WithUnmatchedAllowedUnsafe.
func WithRules(rules ...Rule) Option {
	return func(h *Handler) { h.rules = append([]Rule{}, rules...) }
}

// WithUnmatchedAllowedUnsafe admits images that no rule covers.
func WithUnmatchedAllowedUnsafe() Option { return func(h *Handler) { h.allowUnmatched = true } }
