package policies

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// Violation is one thing a policy objects to.
type Violation struct {
	// Policy is the Rego package that raised it (aibom.signature).
	Policy string `json:"policy"`
	// File is the file that defines the package.
	File string `json:"file"`
	// Rule is the rule ID the policy gave ({"rule": ...}), or the Rego rule
	// name (deny, violation, warn) when it gave none.
	Rule string `json:"rule"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// Decision is the outcome of evaluating every policy over one input.
type Decision struct {
	// Allowed is true when there is no violation.
	Allowed bool `json:"allowed"`
	// Violations come from deny and violation rules of enforced policies.
	Violations []Violation `json:"violations"`
	// Warnings come from warn rules, and from deny rules of policies in
	// warn (audit) mode.
	Warnings []Violation `json:"warnings"`
	// Revision is the bundle's revision (Bundle.Revision).
	Revision string `json:"revision"`
}

// target is one rule the query reads.
type target struct {
	pkg  string // aibom.signature
	file string
	rule string // deny, violation, warn
}

// Evaluator evaluates a prepared bundle. It is safe for concurrent use.
type Evaluator struct {
	query    rego.PreparedEvalQuery
	targets  []target
	modes    []ModeRule
	revision string
}

// New compiles b's policies (not its tests) and prepares the query that
// reads every deny, violation and warn rule, once.
func New(ctx context.Context, b *Bundle) (*Evaluator, error) {
	modules := map[string]*ast.Module{}
	for f, m := range b.modules {
		if !strings.HasSuffix(f, "_test.rego") {
			modules[f] = m
		}
	}
	c := newCompiler()
	if c.Compile(modules); c.Failed() {
		return nil, compileError(c.Errors, "")
	}
	targets := findTargets(modules)
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: no package defines deny, violation or warn", ErrNoPolicies)
	}
	modes, err := parseModes(b.data)
	if err != nil {
		return nil, err
	}
	var q strings.Builder
	for i, t := range targets {
		fmt.Fprintf(&q, "r%d = data.%s.%s\n", i, t.pkg, t.rule)
	}
	pq, err := rego.New(
		rego.Compiler(c),
		rego.Capabilities(capabilities()),
		rego.Store(inmem.NewFromObject(copyData(b.data))),
		rego.Query(q.String()),
		rego.SetRegoVersion(ast.RegoV1),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, compileError(err, "query")
	}
	return &Evaluator{query: pq, targets: targets, modes: modes, revision: b.Revision()}, nil
}

// findTargets lists the deny, violation and warn rules of every package,
// sorted by package.
func findTargets(modules map[string]*ast.Module) []target {
	seen := map[string]bool{}
	var out []target
	for _, f := range slices.Sorted(func(yield func(string) bool) {
		for f := range modules {
			if !yield(f) {
				return
			}
		}
	}) {
		m := modules[f]
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			if len(ref) != 1 || len(r.Head.Args) > 0 {
				continue
			}
			name := strings.Trim(ref[0].Value.String(), `"`)
			if name != "deny" && name != "violation" && name != "warn" {
				continue
			}
			if key := pkg + "." + name; !seen[key] {
				seen[key] = true
				out = append(out, target{pkg: pkg, file: f, rule: name})
			}
		}
	}
	slices.SortFunc(out, func(a, b target) int {
		return cmp.Or(strings.Compare(a.pkg, b.pkg), strings.Compare(a.rule, b.rule))
	})
	return out
}

// Revision is the revision of the bundle the evaluator was made from.
func (e *Evaluator) Revision() string { return e.revision }

// EvalOption changes one evaluation.
type EvalOption func(*evalOptions)

type evalOptions struct{ now time.Time }

// WithTime sets the time the policies see (time.now_ns); default: now.
func WithTime(t time.Time) EvalOption { return func(o *evalOptions) { o.now = t } }

func newEvalOptions(opts []EvalOption) evalOptions {
	o := evalOptions{now: time.Now()}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Eval evaluates every policy over in.
func (e *Evaluator) Eval(ctx context.Context, in *Input, opts ...EvalOption) (*Decision, error) {
	if in == nil {
		return nil, fmt.Errorf("%w: nil input", ErrInput)
	}
	raw, err := json.Marshal(normalizeInput(in))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return e.EvalJSON(ctx, raw, opts...)
}

// EvalJSON evaluates every policy over a JSON input document (an Input in
// its JSON form; unknown fields are passed to the policies as they are).
func (e *Evaluator) EvalJSON(ctx context.Context, input []byte, opts ...EvalOption) (*Decision, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEval, err)
	}
	o := newEvalOptions(opts)
	v, err := ast.ValueFromReader(bytes.NewReader(input))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	obj, ok := v.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("%w: the input is not a JSON object", ErrInput)
	}
	return e.eval(ctx, obj, o)
}

// eval evaluates the query over the input document v.
func (e *Evaluator) eval(ctx context.Context, v ast.Object, o evalOptions) (*Decision, error) {
	rs, err := e.query.Eval(ctx, rego.EvalParsedInput(v), rego.EvalTime(o.now))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEval, err)
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("%w: a deny, violation or warn rule is undefined for this input (a rule written with := needs a default)", ErrEval)
	}
	ns, image := selectors(v)
	d := &Decision{Violations: []Violation{}, Warnings: []Violation{}, Revision: e.revision}
	for i, t := range e.targets {
		mode := modeFor(e.modes, t.pkg, ns, image)
		if mode == ModeOff {
			continue
		}
		vs, err := violations(t, rs[0].Bindings[fmt.Sprintf("r%d", i)])
		if err != nil {
			return nil, err
		}
		if t.rule == "warn" || mode == ModeWarn {
			d.Warnings = append(d.Warnings, vs...)
		} else {
			d.Violations = append(d.Violations, vs...)
		}
	}
	sortViolations(d.Violations)
	sortViolations(d.Warnings)
	d.Allowed = len(d.Violations) == 0
	return d, nil
}

// violations reads a rule's value: a set or array of strings, or of objects
// with msg (or message) and rule. A rule of another shape is a policy error.
func violations(t target, x any) ([]Violation, error) {
	var items []any
	switch v := x.(type) {
	case []any:
		items = v
	case bool:
		if v {
			items = []any{"denied"}
		}
	default:
		return nil, fmt.Errorf("%w: %s.%s (%s) is a %T: want a set of strings or {\"msg\": ...} objects", ErrEval, t.pkg, t.rule, t.file, x)
	}
	out := make([]Violation, 0, len(items))
	for _, it := range items {
		vi := Violation{Policy: t.pkg, File: t.file, Rule: t.rule}
		switch m := it.(type) {
		case string:
			vi.Message = m
		case map[string]any:
			vi.Message = str(m["msg"], m["message"])
			if r := str(m["rule"], m["id"]); r != "" {
				vi.Rule = r
			}
			if vi.Message == "" {
				b, _ := json.Marshal(m)
				vi.Message = string(b)
			}
		default:
			b, _ := json.Marshal(m)
			vi.Message = string(b)
		}
		out = append(out, vi)
	}
	return out, nil
}

func str(xs ...any) string {
	for _, x := range xs {
		if s, ok := x.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func sortViolations(vs []Violation) {
	slices.SortFunc(vs, func(a, b Violation) int {
		return cmp.Or(strings.Compare(a.Policy, b.Policy), strings.Compare(a.Rule, b.Rule), strings.Compare(a.Message, b.Message))
	})
}

// normalizeInput makes nil lists empty, so policies see [] and not null.
func normalizeInput(in *Input) *Input {
	out := *in
	if out.Signers == nil {
		out.Signers = []Identity{}
	}
	if out.Attestations == nil {
		out.Attestations = []Attestation{}
	}
	return &out
}

// selectors are what mode rules match: the admission namespace, and the
// image (the admission context's, else the input's reference).
func selectors(in ast.Object) (ns, image string) {
	ctx, _ := get(in, "context").(ast.Object)
	ns = getString(ctx, "namespace")
	if image = getString(ctx, "image"); image == "" {
		image = getString(in, "reference")
	}
	return ns, image
}

func get(o ast.Object, key string) ast.Value {
	if o == nil {
		return nil
	}
	if t := o.Get(ast.StringTerm(key)); t != nil {
		return t.Value
	}
	return nil
}

func getString(o ast.Object, key string) string {
	s, _ := get(o, key).(ast.String)
	return string(s)
}
