package policies

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const userPolicy = `package acme.models

deny contains {"rule": "ACME-TEAM", "msg": sprintf("owner label %q is not allowed", [input.context.labels.team])} if {
	not input.context.labels.team in data.acme.teams
}

warn contains "no reference" if not input.reference
`

const userTests = `package acme.models_test

import data.acme.models

test_allowed_team if {
	count(models.deny) == 0 with input as {"context": {"labels": {"team": "ml"}}}
}

test_other_team if {
	count(models.deny) == 1 with input as {"context": {"labels": {"team": "web"}}}
}
`

func TestLoadDirectory(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"models.rego":       userPolicy,
		"models_test.rego":  userTests,
		"acme/data.yaml":    "teams: [ml, research]\n",
		".git/ignored.rego": "this is not rego",
		"README.md":         "not read",
	})
	b, err := LoadBundle(dir, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got := len(b.Files()); got != 3 {
		t.Errorf("files %v", b.Files())
	}
	e, err := New(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	in := &Input{Digest: "sha256:00", Context: &Context{Labels: map[string]string{"team": "web"}}}
	d, err := e.Eval(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed || len(d.Violations) != 1 || d.Violations[0].Rule != "ACME-TEAM" || d.Violations[0].Policy != "acme.models" ||
		!strings.HasSuffix(d.Violations[0].File, "models.rego") || d.Violations[0].Message != `owner label "web" is not allowed` {
		t.Errorf("decision %+v", d)
	}
	if len(d.Warnings) != 1 || d.Warnings[0].Rule != "warn" || d.Warnings[0].Message != "no reference" {
		t.Errorf("warnings %+v", d.Warnings)
	}
	res, err := b.Test(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !res[0].Pass || !res[1].Pass {
		t.Errorf("tests %+v", res)
	}
}

func TestLoadSingleFileAndFailingTest(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"p.rego": userPolicy + `
test_wrong if {
	count(deny) == 0 with input as {"context": {"labels": {"team": "web"}}} with data.acme.teams as ["ml"]
}
`})
	b, err := LoadBundle(filepath.Join(dir, "p.rego"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Test(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Pass || res[0].Name != "test_wrong" || res[0].Line != 9 {
		t.Errorf("tests %+v", res)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		lim   Limits
		is    error
		want  string // in the message
	}{
		{name: "parse error", files: map[string]string{"a.rego": "package a\n\ndeny contains x if {\n  x := \n}\n"}, want: "a.rego:5:"},
		{name: "compile error", files: map[string]string{"ok.rego": "package ok\n", "b.rego": "package b\n\ndeny contains x if {\n\tx := undefined_fn(1)\n}\n"}, want: "b.rego:4:"},
		{name: "rego v0 syntax", files: map[string]string{"v0.rego": "package v0\n\ndeny[msg] { msg := \"x\" }\n"}, want: "v0.rego:3:"},
		{name: "http.send is not available", files: map[string]string{"net.rego": "package net\n\ndeny contains x if {\n\tx := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1/\"})\n}\n"}, want: "net.rego:4:"},
		{name: "opa.runtime is not available", files: map[string]string{"env.rego": "package env\n\ndeny contains x if {\n\tx := opa.runtime().env.HOME\n}\n"}, want: "env.rego:4:"},
		{name: "no policies", files: map[string]string{"data.json": "{}"}, is: ErrNoPolicies},
		{name: "bad data", files: map[string]string{"p.rego": "package p\n", "data.json": "[1]"}, is: ErrData, want: "data.json"},
		{name: "file too large", files: map[string]string{"p.rego": "package p\n" + strings.Repeat("# x\n", 100)}, lim: Limits{MaxFileSize: 100, MaxTotalSize: 1000, MaxFiles: 10}, is: ErrTooLarge, want: "p.rego"},
		{name: "too large in all", files: map[string]string{"p.rego": "package p\n# 123456789\n", "q.rego": "package q\n# 123456789\n"}, lim: Limits{MaxFileSize: 100, MaxTotalSize: 30, MaxFiles: 10}, is: ErrTooLarge},
		{name: "too many files", files: map[string]string{"p.rego": "package p\n", "q.rego": "package q\n"}, lim: Limits{MaxFileSize: 100, MaxTotalSize: 1000, MaxFiles: 1}, is: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lim := tt.lim
			if lim == (Limits{}) {
				lim = DefaultLimits()
			}
			_, err := LoadBundle(writeFiles(t, tt.files), lim)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			var ce *CompileError
			if tt.is == nil && !errors.As(err, &ce) {
				t.Errorf("error %T %v is not a CompileError", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %q", err, tt.want)
			}
		})
	}
}

func TestNoDenyOrWarnRule(t *testing.T) {
	t.Parallel()
	b, err := LoadBundle(writeFiles(t, map[string]string{"p.rego": "package p\n\nallow := true\n"}), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(context.Background(), b); !errors.Is(err, ErrNoPolicies) {
		t.Errorf("New: %v", err)
	}
}

// A deny rule of an unexpected shape is a policy error, never an allow.
func TestBadRuleShapeIsAnError(t *testing.T) {
	t.Parallel()
	b, err := LoadBundle(writeFiles(t, map[string]string{"p.rego": "package p\n\ndeny := 3\n"}), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(context.Background(), &Input{}); !errors.Is(err, ErrEval) {
		t.Errorf("Eval: %v", err)
	}
}

// A complete deny rule that is undefined for an input is a policy error too.
func TestUndefinedRuleIsAnError(t *testing.T) {
	t.Parallel()
	b, err := LoadBundle(writeFiles(t, map[string]string{"p.rego": "package p\n\ndeny := \"no\" if input.x == 1\n"}), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.EvalJSON(context.Background(), []byte(`{"x": 2}`)); !errors.Is(err, ErrEval) || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("Eval: %v", err)
	}
}

func TestBadModes(t *testing.T) {
	t.Parallel()
	for _, modes := range []any{"warn", []any{"x"}, []any{map[string]any{"policy": "aibom.*", "mode": "maybe"}}, []any{map[string]any{"mode": "warn"}}, []any{map[string]any{"policy": "[", "mode": "warn"}},
		[]any{map[string]any{"policy": "aibom.*", "mode": "warn", "images": "x"}}, []any{map[string]any{"policy": "aibom.*", "mode": "warn", "namespaces": []any{""}}}} {
		b, _ := DefaultBundle()
		b, err := b.WithData(map[string]any{"aibom": map[string]any{"params": map[string]any{"modes": modes}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New(context.Background(), b); !errors.Is(err, ErrData) {
			t.Errorf("modes %v: %v", modes, err)
		}
	}
}

func TestInputSchema(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(filepath.Join("testdata", "inputs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		loadExample(t, e.Name()) // validates
	}
	good := `{"digest": "sha256:` + strings.Repeat("a", 64) + `"`
	for _, bad := range []string{
		`{}`,
		`{"digest": "latest"}`,
		good + `, "signers": [{"subject": "me@example.com"}]}`,
		good + `, "signers": [{"keyFingerprint": "sha256:` + strings.Repeat("a", 64) + `", "subject": "me"}]}`,
		good + `, "attestations": [{"kind": "bom", "valid": true}]}`,
		good + `, "attestations": [{"kind": "sbom", "valid": false}]}`,
		good + `, "attestations": [{"kind": "bom", "valid": false, "signedAt": "yesterday"}]}`,
		good + `, "scan": {"files": [{"path": "a", "verdict": "fine"}]}}`,
		good + `, "bom": {"bomFormat": "SPDX"}}`,
		good + `, "extra": 1}`,
	} {
		if _, err := DecodeInput([]byte(bad)); !errors.Is(err, ErrInput) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := DecodeInput([]byte(good + `}`)); err != nil {
		t.Error(err)
	}
}
