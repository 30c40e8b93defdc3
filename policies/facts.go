package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Facts are the facts about one digest (an Input without its admission
// context) converted once into the policy engine's form, to be evaluated
// many times under different admission contexts: the webhook's cache holds
// these, keyed by digest and trust configuration. Facts are immutable and
// safe for concurrent use.
type Facts struct {
	items [][2]*ast.Term // the input's keys and values, without "context"
}

// NewFacts converts in (its Context is ignored) for EvalFacts.
func NewFacts(in *Input) (*Facts, error) {
	if in == nil {
		return nil, fmt.Errorf("%w: nil input", ErrInput)
	}
	n := *normalizeInput(in)
	n.Context = nil
	raw, err := json.Marshal(&n)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	v, err := ast.ValueFromReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	obj, ok := v.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("%w: the input is not an object", ErrInput)
	}
	f := &Facts{}
	obj.Foreach(func(k, v *ast.Term) {
		f.items = append(f.items, [2]*ast.Term{k, v})
	})
	return f, nil
}

// EvalFacts evaluates every policy over f in the admission context c (nil:
// none). It is Eval without converting the facts again. When c names an
// image, that is the input's reference (facts cached by digest may have been
// made for another reference to the same digest).
func (e *Evaluator) EvalFacts(ctx context.Context, f *Facts, c *Context, opts ...EvalOption) (*Decision, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: nil facts", ErrInput)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEval, err)
	}
	items := make([][2]*ast.Term, 0, len(f.items)+2)
	for _, kv := range f.items {
		if c == nil || c.Image == "" || !kv[0].Equal(referenceKey) {
			items = append(items, kv)
		}
	}
	if c != nil && c.Image != "" {
		items = append(items, [2]*ast.Term{referenceKey, ast.StringTerm(c.Image)})
	}
	if c != nil {
		items = append(items, [2]*ast.Term{ast.StringTerm("context"), ast.NewTerm(contextValue(c))})
	}
	return e.eval(ctx, ast.NewObject(items...), newEvalOptions(opts))
}

var referenceKey = ast.StringTerm("reference")

// contextValue converts c without a round trip through JSON text.
func contextValue(c *Context) ast.Value {
	var items [][2]*ast.Term
	for _, kv := range [][2]string{{"namespace", c.Namespace}, {"kind", c.Kind}, {"name", c.Name},
		{"operation", c.Operation}, {"image", c.Image}, {"path", c.Path}} {
		if kv[1] != "" {
			items = append(items, [2]*ast.Term{ast.StringTerm(kv[0]), ast.StringTerm(kv[1])})
		}
	}
	if len(c.Labels) > 0 {
		l := make([][2]*ast.Term, 0, len(c.Labels))
		for k, v := range c.Labels {
			l = append(l, [2]*ast.Term{ast.StringTerm(k), ast.StringTerm(v)})
		}
		items = append(items, [2]*ast.Term{ast.StringTerm("labels"), ast.ObjectTerm(l...)})
	}
	return ast.NewObject(items...)
}
