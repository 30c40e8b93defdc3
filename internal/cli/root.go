// Package cli is aibom's command line: one file per verb, flag groups with
// AddFlags, exit codes in exit.go.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Set by the release build (-ldflags -X).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// Run runs aibom with args and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && !errors.Is(err, errFindings) {
		fmt.Fprintf(stderr, "aibom: %v\n", err)
	}
	return exitCode(err)
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "aibom",
		Short: "Describe, scan and verify AI models before they run",
		Long: `aibom is a tool for AI supply-chain security.

  aibom scan       tells whether model files are safe to load, without ever
                   executing them: pickles and everything built on them
                   (PyTorch, NumPy, joblib), safetensors, GGUF (and its chat
                   templates), ONNX, Keras, TensorFlow, TFLite, and the
                   archives they travel in.
  aibom generate   writes a CycloneDX AI-BOM of a model: model card, lineage,
                   every file with its SHA-256, datasets, and the findings.
  aibom bom diff   shows what changed between two BOMs.
  aibom push/pull  publish a model folder as a CNCF ModelPack artifact, and
                   fetch one back with every digest checked.
  aibom sign       signs a model or image in a registry (cosign-compatible).
  aibom attest     attaches the signed AI-BOM and scan report to it.
  aibom verify     checks signatures and attestations, stricter than cosign.
  aibom policy     evaluates Rego policies over the verified facts.
  aibom explain    says why a pickle callable is allowed, denied or unknown.`,
		Version:       fmt.Sprintf("%s (commit %s, built %s)", version, commit, date),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w\nRun '%s --help' for usage", err, c.CommandPath())}
	})
	root.AddCommand(newScan(stdout, stderr), newGenerate(stdout, stderr), newBOM(stdout), newExplain(stdout))
	root.AddCommand(newPush(stdout), newPull(stdout))
	root.AddCommand(newPolicy(stdout))
	root.AddCommand(newSign(stdout), newAttest(stdout), newVerify(stdout))
	root.AddCommand(newWebhook(stderr))
	return root
}

// usageError marks errors in how aibom was called.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }
