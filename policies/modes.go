package policies

import (
	"fmt"
	"path"
)

// Mode says what a policy's deny rules do.
type Mode string

const (
	// ModeEnforce: deny rules are violations (the default).
	ModeEnforce Mode = "enforce"
	// ModeWarn: deny rules are warnings (audit).
	ModeWarn Mode = "warn"
	// ModeOff: the policy is not evaluated for the input.
	ModeOff Mode = "off"
)

// ModeRule sets the mode of the policies (packages) Policy matches, for the
// namespaces that Namespaces match and the images (the admission context's
// image, else the input's reference) that Images match; an empty list
// matches everything, including no admission context. Patterns are
// path.Match globs. The first matching rule wins.
type ModeRule struct {
	Policy     string   `json:"policy"`
	Mode       Mode     `json:"mode"`
	Namespaces []string `json:"namespaces,omitempty"`
	Images     []string `json:"images,omitempty"`
}

// parseModes reads data.aibom.params.modes.
func parseModes(data map[string]any) ([]ModeRule, error) {
	a, _ := data["aibom"].(map[string]any)
	p, _ := a["params"].(map[string]any)
	raw, ok := p["modes"]
	if !ok || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: params.modes is not a list", ErrData)
	}
	out := make([]ModeRule, 0, len(list))
	for i, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: params.modes[%d] is not an object", ErrData, i)
		}
		r := ModeRule{Policy: str(m["policy"]), Mode: Mode(str(m["mode"]))}
		if r.Mode == "audit" {
			r.Mode = ModeWarn
		}
		if r.Policy == "" || (r.Mode != ModeEnforce && r.Mode != ModeWarn && r.Mode != ModeOff) {
			return nil, fmt.Errorf("%w: params.modes[%d] needs a policy and a mode (enforce, warn or off)", ErrData, i)
		}
		if _, err := path.Match(r.Policy, ""); err != nil {
			return nil, fmt.Errorf("%w: params.modes[%d].policy: %w", ErrData, i, err)
		}
		var err error
		if r.Namespaces, err = patterns(m, "namespaces", i); err != nil {
			return nil, err
		}
		if r.Images, err = patterns(m, "images", i); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// patterns reads the list of glob patterns m[key] of params.modes[i].
func patterns(m map[string]any, key string, i int) ([]string, error) {
	raw, ok := m[key]
	if !ok || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: params.modes[%d].%s is not a list", ErrData, i, key)
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s := str(x)
		if _, err := path.Match(s, ""); s == "" || err != nil {
			return nil, fmt.Errorf("%w: params.modes[%d].%s: bad pattern %v", ErrData, i, key, x)
		}
		out = append(out, s)
	}
	return out, nil
}

// modeFor is the mode of policy pkg for namespace ns and image.
func modeFor(rules []ModeRule, pkg, ns, image string) Mode {
	for _, r := range rules {
		if ok, _ := path.Match(r.Policy, pkg); ok && matchAny(r.Namespaces, ns) && matchAny(r.Images, image) {
			return r.Mode
		}
	}
	return ModeEnforce
}

// matchAny: no patterns, or one that matches s.
func matchAny(patterns []string, s string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}
