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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	// Kind is "import" for a name find_class was asked for, "attr" for an
	// attribute taken from such a stub (batch mode only).
	Kind string `json:"kind,omitempty"`
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

// Ways a pickle stream is read in batch mode (record.py's BATCH_WAYS).
const (
	// WayLoads reads as pickle.loads of the bytes does.
	WayLoads = "loads"
	// WayNoPeek reads a file without peek(), as torch's zip reader hands
	// data.pkl over.
	WayNoPeek = "nopeek"
	// WayBuffered reads a file opened with open().
	WayBuffered = "buffered"
)

// Batch is what the C unpickler reached in one stream, per way of reading.
type Batch struct {
	Path string             `json:"path"`
	Ways map[string]*Result `json:"ways"`
	// Crash is set when the child process running the loader died.
	Crash string `json:"crash"`
}

// RunBatch loads every file of paths, each a pickle stream (several
// pickles back to back), in the three ways of record.py, each file in its
// own child process under the CPU and memory limits.
func (c Config) RunBatch(ctx context.Context, dir string, paths []string) ([]Batch, error) {
	list := filepath.Join(dir, "streams.txt")
	if err := os.WriteFile(list, []byte(strings.Join(paths, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout+time.Duration(len(paths))*c.CPU/4)
	defer cancel()
	cpu := max(int(c.CPU/time.Second), 1)
	cmd := exec.CommandContext(ctx, c.Python, "-I", "-", "batch", list, fmt.Sprint(cpu)) //nolint:gosec // fixed interpreter and script
	cmd.Stdin = bytes.NewReader(script)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("loaderdiff: batch: %w: %s", err, tail(errb.Bytes()))
	}
	var res []Batch
	dec := json.NewDecoder(&out)
	for dec.More() {
		var b Batch
		if err := dec.Decode(&b); err != nil {
			return nil, fmt.Errorf("loaderdiff: batch: bad output: %w", err)
		}
		res = append(res, b)
	}
	if len(res) != len(paths) {
		return nil, fmt.Errorf("loaderdiff: batch: %d results for %d streams: %s", len(res), len(paths), tail(errb.Bytes()))
	}
	return res, nil
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
