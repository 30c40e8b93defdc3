package policies

import (
	"context"
	"fmt"
	"time"

	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego test (a test_ rule).
type TestResult struct {
	Package  string        `json:"package"`
	Name     string        `json:"name"`
	File     string        `json:"file"`
	Line     int           `json:"line"`
	Pass     bool          `json:"pass"`
	Skip     bool          `json:"skip,omitempty"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration"`
}

// Test runs the bundle's Rego tests (test_ rules, in *_test.rego files or
// anywhere) as opa test does, with the bundle's data, the same built-ins as
// evaluation (no network) and timeout for each test (0: none). It returns
// one result per test, in the tester's order; an error means the tests
// could not run (a compile error, say).
func (b *Bundle) Test(ctx context.Context, timeout time.Duration) ([]TestResult, error) {
	store := inmem.NewFromObject(copyData(b.data))
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Abort(ctx, txn)
	r := tester.NewRunner().
		SetCompiler(newCompiler()).
		SetStore(store).
		SetModules(b.modules).
		SetTimeout(timeout)
	ch, err := r.RunTests(ctx, txn)
	if err != nil {
		return nil, compileError(err, "")
	}
	var out []TestResult
	for res := range ch {
		tr := TestResult{Package: res.Package, Name: res.Name, Duration: res.Duration, Skip: res.Skip}
		if res.Location != nil {
			tr.File, tr.Line = res.Location.File, res.Location.Row
		}
		switch {
		case res.Error != nil:
			tr.Error = res.Error.Error()
		case res.Fail:
			tr.Error = "fail"
			if res.FailedAt != nil {
				tr.Error = fmt.Sprintf("failed at %s", res.FailedAt.String())
			}
		default:
			tr.Pass = !res.Skip
		}
		out = append(out, tr)
	}
	return out, ctx.Err()
}
