package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/policies"
)

// maxPolicyInput bounds a facts file (it holds a whole AI-BOM).
const maxPolicyInput = 64 << 20

// policyOptions are the flags of `aibom policy eval` and `aibom policy test`.
type policyOptions struct {
	input  string
	policy string
	data   string
	format string
	at     string
}

// AddFlags registers the flags of `aibom policy eval` on cmd.
func (o *policyOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.input, "input", "i", "", "the facts about one artifact (JSON, see policies/input.schema.json); - reads stdin")
	f.StringVarP(&o.policy, "policy", "p", "", "a policy directory (every .rego file, data.json/data.yaml) or a .rego file; default: the built-in bundle")
	f.StringVarP(&o.data, "data", "d", "", "a JSON or YAML data file merged over the policies' data, e.g. {\"aibom\": {\"params\": {...}}}")
	f.StringVarP(&o.format, "format", "f", "table", "output format: table or json")
	f.StringVar(&o.at, "time", "", "evaluate as of this time (RFC 3339) instead of now")
}

func newPolicy(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Evaluate and test Rego policies over the verified facts about an artifact",
		Long: `Policies decide whether a verified model or image may run. They are Rego v1
(the language of OPA, Gatekeeper and conftest), evaluated inside aibom:
no network access, no environment, the time given by --time or the clock.

A policy is a package with deny (or violation) and warn rules holding
strings or {"rule": "ID", "msg": "..."} objects. The input is what
verification established about one digest: its signers, its attestations,
the AI-BOM, the scan report, and the admission context (namespace, kind,
image) when there is one; policies/input.schema.json documents it.

The built-in bundle requires a signature by a trusted identity and an
AI-BOM attestation, and denies malicious (by default also suspicious and
invalid) files, weight formats other than safetensors and GGUF in
production namespaces, disallowed licenses, datasets with sensitive data
that have no exception, and attestations older than 90 days; undeclared
lineage, datasets and licenses warn. Its parameters live in
data.aibom.params (see README.md); override them with --data.`,
	}
	cmd.AddCommand(newPolicyEval(stdout), newPolicyTest(stdout))
	return cmd
}

func newPolicyEval(stdout io.Writer) *cobra.Command {
	o := &policyOptions{}
	cmd := &cobra.Command{
		Use:   "eval --input FACTS.json",
		Short: "Evaluate policies over the facts about one artifact",
		Long: `Evaluate the built-in policies (or --policy) over one input and print
every violation and warning with the policy and rule that raised it.

Exit codes: 0 allowed (warnings do not fail), 1 denied, 2 usage error,
unreadable input, or a policy that does not compile or fails to evaluate.`,
		Example: `  # the built-in bundle
  aibom policy eval --input facts.json

  # your own policies and parameters, machine-readable
  aibom policy eval --input facts.json --policy ./policies --data params.yaml --format json

  # the built-in bundle with other parameters (params.yaml):
  #   aibom:
  #     params:
  #       trusted_identities: [{keyFingerprint: "sha256:..."}]
  #       allowed_licenses: [apache-2.0, mit]
  #       fail_on: malicious
  aibom policy eval --input facts.json --data params.yaml --time 2026-12-07T00:00:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPolicyEval(cmd, o, stdout)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func runPolicyEval(cmd *cobra.Command, o *policyOptions, stdout io.Writer) error {
	if o.input == "" {
		return usageError{errors.New("--input is required")}
	}
	if o.format != "table" && o.format != "json" {
		return usageError{fmt.Errorf("unknown --format %q (want table or json)", o.format)}
	}
	var evalOpts []policies.EvalOption
	if o.at != "" {
		t, err := time.Parse(time.RFC3339, o.at)
		if err != nil {
			return usageError{fmt.Errorf("--time: %w", err)}
		}
		evalOpts = append(evalOpts, policies.WithTime(t))
	}
	raw, err := readInput(cmd, o.input)
	if err != nil {
		return err
	}
	in, err := policies.DecodeInput(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", o.input, err)
	}
	b, err := loadPolicies(o.policy, o.data)
	if err != nil {
		return err
	}
	e, err := policies.New(cmd.Context(), b)
	if err != nil {
		return err
	}
	d, err := e.Eval(cmd.Context(), in, evalOpts...)
	if err != nil {
		return err
	}
	if o.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return err
		}
	} else if err := writeDecision(stdout, d); err != nil {
		return err
	}
	if !d.Allowed {
		return errFindings
	}
	return nil
}

func readInput(cmd *cobra.Command, name string) ([]byte, error) {
	r := cmd.InOrStdin()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := safeio.ReadAll(r, maxPolicyInput)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return b, nil
}

// loadPolicies is the built-in bundle or the one at path, with the data
// file merged over its data.
func loadPolicies(path, data string) (*policies.Bundle, error) {
	var b *policies.Bundle
	var err error
	if path == "" {
		b, err = policies.DefaultBundle()
	} else {
		b, err = policies.LoadBundle(path, policies.DefaultLimits())
	}
	if err != nil {
		return nil, err
	}
	if data == "" {
		return b, nil
	}
	d, err := policies.LoadData(data, policies.DefaultLimits().MaxFileSize)
	if err != nil {
		return nil, err
	}
	return b.WithData(d)
}

func writeDecision(w io.Writer, d *policies.Decision) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(d.Violations)+len(d.Warnings) > 0 {
		fmt.Fprintln(tw, "RESULT\tPOLICY\tRULE\tMESSAGE")
	}
	for _, v := range d.Violations {
		fmt.Fprintf(tw, "deny\t%s\t%s\t%s\n", v.Policy, v.Rule, v.Message)
	}
	for _, v := range d.Warnings {
		fmt.Fprintf(tw, "warn\t%s\t%s\t%s\n", v.Policy, v.Rule, v.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verdict := "allowed"
	if !d.Allowed {
		verdict = "denied"
	}
	_, err := fmt.Fprintf(w, "%s: %d violation(s), %d warning(s) (policies %s)\n", verdict, len(d.Violations), len(d.Warnings), d.Revision)
	return err
}

func newPolicyTest(stdout io.Writer) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "test [DIR|FILE]",
		Short: "Run the Rego tests of a policy directory, as opa test does",
		Long: `Run every test_ rule of the policies in DIR (or FILE), with their data.json
/ data.yaml, as opa test does. Without an argument, run the built-in
bundle's own tests.

Exit codes: 0 every test passed, 1 a test failed or errored, 2 the
policies do not load or compile.`,
		Example: `  aibom policy test ./policies
  aibom policy test --format json ./policies/models.rego`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usageError{fmt.Errorf("unknown --format %q (want table or json)", format)}
			}
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			b, err := loadPolicies(path, "")
			if err != nil {
				return err
			}
			res, err := b.Test(cmd.Context(), time.Minute)
			if err != nil {
				return err
			}
			return writeTests(stdout, res, format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table or json")
	return cmd
}

func writeTests(w io.Writer, res []policies.TestResult, format string) error {
	failed := 0
	for _, r := range res {
		if !r.Pass && !r.Skip {
			failed++
		}
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		for _, r := range res {
			status := "PASS"
			switch {
			case r.Skip:
				status = "SKIP"
			case !r.Pass:
				status = "FAIL"
			}
			fmt.Fprintf(w, "%s %s:%d: %s.%s (%s)", status, r.File, r.Line, r.Package, r.Name, r.Duration.Round(time.Microsecond))
			if r.Error != "" {
				fmt.Fprintf(w, ": %s", r.Error)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%d test(s), %d passed, %d failed\n", len(res), len(res)-failed, failed)
	}
	if failed > 0 || len(res) == 0 {
		return errFindings
	}
	return nil
}
