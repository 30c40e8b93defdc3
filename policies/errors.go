package policies

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNoPolicies: a policy directory or file holds no Rego module.
	ErrNoPolicies = errors.New("policies: no .rego file")
	// ErrTooLarge: a policy or data file, or their total, is over the limits.
	ErrTooLarge = errors.New("policies: too large")
	// ErrData: a data file or parameter does not parse or has the wrong shape.
	ErrData = errors.New("policies: bad data")
	// ErrInput: the input cannot be turned into a policy input.
	ErrInput = errors.New("policies: bad input")
	// ErrEval: a policy failed while it was evaluated (a policy error: in
	// admission, it denies).
	ErrEval = errors.New("policies: evaluation failed")
)

// CompileError lists what is wrong with the Rego of a bundle, each problem
// with its file, line and column.
type CompileError struct {
	Problems []Problem
}

// Problem is one Rego parse or compile error.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
}

func (e *CompileError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "policies: " + strings.Join(lines, "\n")
}
