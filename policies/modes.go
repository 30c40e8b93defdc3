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
// namespaces that Namespaces match (none: every namespace and no admission
// context). Patterns are path.Match globs. The first matching rule wins.
type ModeRule struct {
	Policy     string   `json:"policy"`
	Mode       Mode     `json:"mode"`
	Namespaces []string `json:"namespaces,omitempty"`
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
		if ns, ok := m["namespaces"].([]any); ok {
			for _, n := range ns {
				s := str(n)
				if _, err := path.Match(s, ""); s == "" || err != nil {
					return nil, fmt.Errorf("%w: params.modes[%d].namespaces: bad pattern %v", ErrData, i, n)
				}
				r.Namespaces = append(r.Namespaces, s)
			}
		} else if m["namespaces"] != nil {
			return nil, fmt.Errorf("%w: params.modes[%d].namespaces is not a list", ErrData, i)
		}
		out = append(out, r)
	}
	return out, nil
}

// modeFor is the mode of policy pkg in namespace ns.
func modeFor(rules []ModeRule, pkg, ns string) Mode {
	for _, r := range rules {
		if ok, _ := path.Match(r.Policy, pkg); !ok {
			continue
		}
		if len(r.Namespaces) == 0 {
			return r.Mode
		}
		for _, p := range r.Namespaces {
			if ok, _ := path.Match(p, ns); ok {
				return r.Mode
			}
		}
	}
	return ModeEnforce
}
