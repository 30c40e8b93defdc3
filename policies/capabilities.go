package policies

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// forbidden are the built-ins policies cannot call: network access, the
// process environment, and randomness (a decision must be reproducible).
var forbidden = map[string]bool{
	"http.send":              true,
	"net.lookup_ip_addr":     true,
	"opa.runtime":            true,
	"rand.intn":              true,
	"providers.aws.sign_req": true,
	"uuid.rfc4122":           true,
}

// capabilities is this OPA version's set without the forbidden built-ins,
// and with no host allowed for network access.
func capabilities() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	kept := c.Builtins[:0]
	for _, b := range c.Builtins {
		if !forbidden[b.Name] {
			kept = append(kept, b)
		}
	}
	c.Builtins = kept
	c.AllowNet = []string{}
	return c
}

func newCompiler() *ast.Compiler {
	return ast.NewCompiler().
		WithCapabilities(capabilities()).
		WithDefaultRegoVersion(ast.RegoV1).
		WithEnablePrintStatements(false)
}
