package cli

import (
	"context"
	"io"
	"strings"

	"github.com/seed-43c89ce6/aibom/policies"
	"github.com/seed-43c89ce6/aibom/verify"
	"github.com/seed-43c89ce6/aibom/verify/admission"
)

// evalVerifyPolicy evaluates the Rego policies at path (a directory or a
// file) over what verification established about ref: the same facts
// (admission.Facts) and the same evaluator as `aibom webhook`, without an
// admission context. A bundle that does not load or compile is a usage
// error (exit 2); a policy that fails to evaluate is an error.
func evalVerifyPolicy(ctx context.Context, path string, res *verify.Result, ref string) (*policies.Decision, error) {
	b, err := loadPolicies(path, "")
	if err != nil {
		return nil, usageError{err}
	}
	ev, err := policies.New(ctx, b)
	if err != nil {
		return nil, usageError{err}
	}
	return ev.Eval(ctx, admission.Facts(res, strings.TrimPrefix(ref, "oci://"), nil))
}

// policyTrust names keys by their fingerprints, which is how policies
// (keyFingerprint) tell which key signed.
func policyTrust(t *verify.Trust) error {
	_, err := trustID(t, "", false)
	if err != nil {
		return usageError{err}
	}
	return nil
}

// printPolicyText prints the policy decision after the verification report.
func printPolicyText(w io.Writer, d *policies.Decision) error {
	if _, err := io.WriteString(w, "Policy:\n"); err != nil {
		return err
	}
	return writeDecision(w, d)
}
