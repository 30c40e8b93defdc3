package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/internal/report"
	"github.com/seed-43c89ce6/aibom/scanners"
	"github.com/seed-43c89ce6/aibom/scanners/pickle"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
)

// scanOptions are the flags of `aibom scan`.
type scanOptions struct {
	runnerOptions
	format   string
	failOn   string
	output   string
	color    string
	verbose  bool
	registry registryOptions
}

// AddFlags registers the flags on cmd.
func (o *scanOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "table", "output format: table (for people), json (the stable contract for tools) or sarif (SARIF 2.1.0 for code-scanning dashboards)")
	f.StringVar(&o.failOn, "fail-on", "suspicious", "exit 1 when a file's verdict is at least this: unscanned, suspicious, invalid, malicious, or none (verdicts rank clean < unscanned < suspicious < invalid < malicious)")
	f.StringVarP(&o.output, "output", "o", "", "write the report to this file (atomically) instead of stdout")
	f.StringVar(&o.color, "color", "auto", "colour in table output: auto, always or never")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "list clean and unscanned files in table output too")
	o.runnerOptions.AddFlags(cmd)
	o.registry.AddFlags(cmd)
}

func newScan(stdout, stderr io.Writer) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Tell whether model files are safe to load, without executing them",
		Long: `Scan model files, directories (recursively) and archives for payloads that run
code when the model is loaded.

PATH may also be an OCI artifact: oci://REF (a registry; --insecure for plain
HTTP off loopback), an OCI image layout folder (it holds an oci-layout file)
or an image tarball. A .tar is an image only when its root holds an OCI
layout (oci-layout and index.json) or a 'docker save' manifest.json (an array
naming Config and Layers); any other tar is scanned as a tar of model files.
Layers are streamed, never unpacked to disk; a tar layer whose digest is wrong
fails the scan (exit 2), a raw layer whose bytes do not match its digest is
invalid.

The format of each file is decided by its content, never by its name: a pickle
named config.json or model.safetensors is scanned as a pickle. Formats:
` + wrap(runner.Help(), 78) + `

Nothing is ever unpickled or executed: an opcode walker models the pickle
machine to resolve every callable it would import or call, and checks it
against an allowlist of what real ML pickles use and a denylist of what runs
code. Each file gets a verdict:
  clean       nothing unsafe found
  unscanned   not a model format aibom knows (README.md, tokenizer.json, ...)
  suspicious  calls something outside the allowlist
  invalid     cannot be parsed: cannot be shown to be safe
  malicious   would run code, touch files or the network when loaded

Memory does not grow with the input: archives, compressed streams and
pickles are walked within fixed bounds (an LZMA dictionary of at most 16 MiB,
4 MiB of spool in memory per file), and the Go heap is held near 40 MiB by a
soft limit (GOMEMLIMIT overrides it).

Exit codes: 0 when no file reaches --fail-on, 1 when one does, 2 on a usage
or I/O error.`,
		Example: `  # scan a model directory, fail the CI job on anything not clean
  aibom scan ./my-model

  # machine-readable results
  aibom scan --format json ./my-model > scan.json

  # upload to a code-scanning dashboard, fail only on malicious files
  aibom scan --format sarif -o aibom.sarif --fail-on malicious ./models

  # a model in a registry, an OCI layout folder, a docker save tarball
  aibom scan oci://ghcr.io/org/model:v1
  aibom scan ./layout ./image.tar

  # allow your own classes in pickles
  aibom scan --allowlist allowed.txt checkpoint.pt`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, o, args, stdout, stderr)
		},
	}
	o.AddFlags(cmd)
	cmd.AddCommand(newScanRegistry(stdout, stderr), newScanMerge(stdout, stderr))
	return cmd
}

func runScan(cmd *cobra.Command, o *scanOptions, args []string, stdout, stderr io.Writer) error {
	threshold, err := parseFailOn(o.failOn)
	if err != nil {
		return usageError{err}
	}
	if o.format != "table" && o.format != "json" && o.format != "sarif" {
		return usageError{fmt.Errorf("unknown --format %q (want table, json or sarif)", o.format)}
	}
	if o.color != "auto" && o.color != "always" && o.color != "never" {
		return usageError{fmt.Errorf("unknown --color %q (want auto, always or never)", o.color)}
	}
	defer softMemoryLimit(scanMemoryLimit)()
	r, err := o.runner(stderr)
	if err != nil {
		return err
	}
	srcs := make([]source.Source, 0, len(args))
	for _, a := range args {
		src, err := openSource(cmd.Context(), a, o.registry.registry())
		if err != nil {
			return err
		}
		defer closeSource(src)
		srcs = append(srcs, src)
	}
	rep, err := r.ScanSources(cmd.Context(), srcs...)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := render(&buf, rep, o, stdout); err != nil {
		return err
	}
	if err := writeOutput(o.output, stdout, buf.Bytes()); err != nil {
		return err
	}
	if threshold >= 0 && rep.Summary.Worst >= threshold && len(rep.Files) > 0 {
		return errFindings
	}
	return nil
}

// parseFailOn returns the verdict threshold, or -1 for "none".
func parseFailOn(s string) (scanners.Verdict, error) {
	if s == "none" {
		return -1, nil
	}
	v, err := scanners.ParseVerdict(s)
	if err != nil || v == scanners.Clean {
		return 0, fmt.Errorf("unknown --fail-on %q (want unscanned, suspicious, invalid, malicious or none)", s)
	}
	return v, nil
}

func loadAllowlist(pol *pickle.Policy, path string) error {
	// Refuse FIFOs, devices and directories before opening: opening a FIFO
	// with no writer blocks forever, deaf to SIGINT.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("reading allowlist %s: not a regular file (%s)", path, st.Mode().Type())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("reading allowlist: %w", err)
	}
	defer f.Close()
	// Checked again on the descriptor: the path may have been swapped.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("reading allowlist %s: not a regular file", path)
	}
	return pol.LoadAllowlist(f, path)
}

func render(w io.Writer, rep *scanners.Report, o *scanOptions, stdout io.Writer) error {
	switch o.format {
	case "json":
		return report.WriteJSON(w, rep)
	case "sarif":
		return report.WriteSARIF(w, rep, report.ToolInfo{Version: version, InformationURI: "https://github.com/seed-43c89ce6/aibom"})
	default:
		color := o.color == "always" || (o.color == "auto" && o.output == "" && isTerminal(stdout))
		return report.WriteTable(w, rep, report.TableOptions{Color: color, Verbose: o.verbose})
	}
}

// writeOutput writes b to stdout, or atomically to path: a temporary file
// in the same directory renamed into place, so that a failed run never
// leaves a half-written report.
func writeOutput(path string, stdout io.Writer, b []byte) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(b)
		return err
	}
	// A symbolic link is written through: the report replaces the link's
	// target, and the link stays.
	if lst, err := os.Lstat(path); err == nil && lst.Mode()&os.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return fmt.Errorf("writing %s: resolving the symbolic link: %w", path, err)
		}
		path = target
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			// A device or a pipe (/dev/null, /dev/stdout): write to it;
			// never rename a file over it.
			return writeDirect(path, b)
		}
		mode = st.Mode().Perm() // an existing report keeps its mode (0600 stays 0600)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func writeDirect(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func progressPrinter(w io.Writer) func(done, total int, path string) {
	return func(done, total int, path string) {
		// A file name can hold escape sequences (clear the screen, set the
		// terminal title): escape them as the table does.
		path = report.Sanitize(path)
		if r := []rune(path); len(r) > 50 {
			path = "…" + string(r[len(r)-49:])
		}
		fmt.Fprintf(w, "\r\033[Kscanning %d/%d %s", done, total, path)
		if done == total {
			fmt.Fprint(w, "\r\033[K")
		}
	}
}

// wrap breaks s into lines of at most width runes, at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 && n+1+len(w) > width {
			b.WriteByte('\n')
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
