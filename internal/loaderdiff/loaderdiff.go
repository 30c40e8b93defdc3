// Package loaderdiff asks a real Python loader what it would reach in a
// file, without running any of it: Debian's python3 unpickles the file with
// CPython's own unpickler (or joblib's, for joblib files) whose find_class
// returns recording stubs, under a CPU-time and address-space limit
// (record.py). Tests compare what it reports with what aibom reports.
//
// Only the project's own harmless fixtures are given to it: the one
// exception to "never execute" in the project's security notes.
package loaderdiff

import (
	"bytes"
	"context"
	_ "embed" // record.py
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

//go:embed record.py
var script []byte

// Mode says which loader reads a file.
type Mode string

// Loaders record.py models.
const (
	// Pickle is pickle.load, repeated until the end of the stream.
	Pickle Mode = "pickle"
	// Joblib is joblib.load: decompression, NumpyUnpickler, array wrappers.
	Joblib Mode = "joblib"
	// Npy is np.load(allow_pickle=True) of an object array.
	Npy Mode = "npy"
	// TorchZip is torch.load of a zip checkpoint: data.pkl, read by torch's
	// own zip reader.
	TorchZip Mode = "torchzip"
	// TorchLegacy is torch.load of a legacy stacked-pickle checkpoint.
	TorchLegacy Mode = "torchlegacy"
	// ChatJSON is a tokenizer_config.json's decoded "chat_template" value.
	ChatJSON Mode = "chatjson"
	// Jinja is a chat_template.jinja file's whole text.
	Jinja Mode = "jinja"
)

// Modules lists the Python modules a mode needs.
func (m Mode) Modules() []string {
	switch m {
	case Joblib, Npy:
		return []string{"numpy", "joblib"}
	case TorchZip, TorchLegacy:
		return []string{"torch"}
	default:
		return nil
	}
}

// Call is one global the loader's find_class was asked for.
type Call struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	// Called says whether the stub was called or constructed.
	Called bool `json:"called"`
}

// Result is what the loader reached.
type Result struct {
	Reached []Call `json:"reached"`
	// Loads counts the pickles (or texts) loaded to the end.
	Loads int `json:"loads"`
	// Error is the loader's error, if it stopped on one.
	Error string `json:"error"`
	// Text is the decoded template, for ChatJSON and Jinja.
	Text string `json:"text"`
}

// Called reports whether the loader called module.name (joined with a dot).
func (r *Result) Called(dotted string) bool {
	for _, c := range r.Reached {
		if c.Called && c.Module+"."+c.Name == dotted {
			return true
		}
	}
	return false
}

// ErrNoPython is returned when the interpreter cannot be run.
var ErrNoPython = errors.New("loaderdiff: python interpreter not usable")

// Config says how to run the loader.
type Config struct {
	// Python is the interpreter, e.g. /usr/bin/python3.
	Python string
	// CPU is the loader's CPU-time limit.
	CPU time.Duration
	// Timeout bounds the whole run (wall clock).
	Timeout time.Duration
}

// DefaultConfig runs Debian's /usr/bin/python3 with 20 s of CPU.
func DefaultConfig() Config {
	return Config{Python: "/usr/bin/python3", CPU: 20 * time.Second, Timeout: 60 * time.Second}
}

// Have reports whether the interpreter imports every module named.
func (c Config) Have(ctx context.Context, modules ...string) bool {
	code := "import sys\n"
	for _, m := range modules {
		code += "import " + m + "\n"
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	return exec.CommandContext(ctx, c.Python, "-I", "-c", code).Run() == nil //nolint:gosec // fixed interpreter, fixed code
}

// Run loads path with the loader of mode m and reports what it reached.
func (c Config) Run(ctx context.Context, m Mode, path string) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cpu := max(int(c.CPU/time.Second), 1)
	cmd := exec.CommandContext(ctx, c.Python, "-I", "-", string(m), path, fmt.Sprint(cpu)) //nolint:gosec // fixed interpreter and script
	cmd.Stdin = bytes.NewReader(script)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return nil, fmt.Errorf("%w: %w", ErrNoPython, err)
		}
		return nil, fmt.Errorf("loaderdiff: %s %s: %w: %s", m, path, err, tail(errb.Bytes()))
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("loaderdiff: %s %s: bad output: %w: %s", m, path, err, tail(errb.Bytes()))
	}
	return &res, nil
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
