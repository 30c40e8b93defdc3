package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/policies"
)

func example(name string) string {
	return filepath.Join("..", "..", "policies", "testdata", "inputs", name)
}

const evalAt = "2026-12-07T00:00:00Z"

func TestPolicyEvalAllowed(t *testing.T) {
	t.Parallel()
	code, out, errOut := run(t, "policy", "eval", "--input", example("allowed-prod.json"), "--time", evalAt)
	if code != ExitOK || !strings.HasPrefix(out, "allowed: 0 violation(s)") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestPolicyEvalDenied(t *testing.T) {
	t.Parallel()
	code, out, errOut := run(t, "policy", "eval", "-i", example("malicious-prod.json"), "--time", evalAt)
	if code != ExitFindings || errOut != "" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"deny    aibom.formats", "FORMAT-NOT-ALLOWED", "aibom.verdicts", "MALICIOUS-FILE", "extra.pkl: verdict malicious", "denied: 2 violation(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestPolicyEvalJSONWithData(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{"params.yaml": "aibom:\n  params:\n    modes: [{policy: aibom.formats, mode: warn}]\n    fail_on: malicious\n"})
	code, out, _ := run(t, "policy", "eval", "-i", example("malicious-prod.json"), "--time", evalAt, "--data", filepath.Join(dir, "params.yaml"), "--format", "json")
	var d policies.Decision
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != ExitFindings || d.Allowed || len(d.Violations) != 1 || d.Violations[0].Rule != "MALICIOUS-FILE" ||
		len(d.Warnings) != 1 || d.Warnings[0].Rule != "FORMAT-NOT-ALLOWED" {
		t.Errorf("exit %d, %+v", code, d)
	}
}

func TestPolicyEvalUserPolicy(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{
		"ns.rego": "package acme\n\ndeny contains {\"rule\": \"NO-PROD\", \"msg\": \"not in prod\"} if input.context.namespace == \"prod\"\n",
	})
	code, out, _ := run(t, "policy", "eval", "-i", example("allowed-prod.json"), "--policy", dir)
	if code != ExitFindings || !strings.Contains(out, "acme") || !strings.Contains(out, "NO-PROD") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, _, _ = run(t, "policy", "eval", "-i", example("allowed-cli.json"), "--policy", filepath.Join(dir, "ns.rego"))
	if code != ExitOK {
		t.Errorf("exit %d", code)
	}
}

func TestPolicyEvalErrors(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{
		"bad.rego":   "package bad\n\ndeny contains x if {\n\tx := \n}\n",
		"facts.json": `{"digest": "latest"}`,
	})
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"policy", "eval"}, "--input is required"},
		{[]string{"policy", "eval", "-i", example("allowed-prod.json"), "--format", "xml"}, "unknown --format"},
		{[]string{"policy", "eval", "-i", example("allowed-prod.json"), "--time", "today"}, "--time"},
		{[]string{"policy", "eval", "-i", filepath.Join(dir, "facts.json")}, "facts.json"},
		{[]string{"policy", "eval", "-i", filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"policy", "eval", "-i", example("allowed-prod.json"), "--policy", filepath.Join(dir, "bad.rego")}, "bad.rego:5:"},
		{[]string{"policy", "eval", "-i", example("allowed-prod.json"), "--data", filepath.Join(dir, "bad.rego")}, "bad.rego"},
	} {
		code, _, errOut := run(t, tt.args...)
		if code != ExitError || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestPolicyTest(t *testing.T) {
	t.Parallel()
	dir := fixtureDir(t, map[string]string{
		"p.rego":      "package p\n\ndeny contains \"no\" if input.x == 1\n",
		"p_test.rego": "package p_test\n\nimport data.p\n\ntest_one if { count(p.deny) == 1 with input as {\"x\": 1} }\n",
	})
	code, out, _ := run(t, "policy", "test", dir)
	if code != ExitOK || !strings.Contains(out, "PASS") || !strings.Contains(out, "1 test(s), 1 passed, 0 failed") {
		t.Errorf("exit %d\n%s", code, out)
	}
	failing := fixtureDir(t, map[string]string{
		"p.rego": "package p\n\ndeny contains \"no\" if input.x == 1\n\ntest_wrong if { count(deny) == 0 with input as {\"x\": 1} }\n",
	})
	code, out, _ = run(t, "policy", "test", "--format", "json", failing)
	var res []policies.TestResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if code != ExitFindings || len(res) != 1 || res[0].Pass || res[0].Name != "test_wrong" {
		t.Errorf("exit %d %+v", code, res)
	}
	code, out, _ = run(t, "policy", "test")
	if code != ExitOK || !strings.Contains(out, "data.aibom.signature_test") {
		t.Errorf("built-in bundle tests: exit %d\n%s", code, out)
	}
}

func TestPolicyHelp(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "policy", "eval", "--help")
	if code != ExitOK || !strings.Contains(out, "aibom policy eval --input facts.json --policy") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
