package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/scanners/pickle"
	"github.com/seed-43c89ce6/aibom/scanners/runner"
)

// runnerOptions are the flags of every verb that scans files (scan,
// generate): the pickle allowlist, the workers, the progress line and
// hashing.
type runnerOptions struct {
	allowlist []string
	workers   int
	progress  bool
	noHash    bool
	cmd       *cobra.Command
}

// AddFlags registers the flags on cmd.
func (o *runnerOptions) AddFlags(cmd *cobra.Command) {
	o.cmd = cmd
	f := cmd.Flags()
	f.StringArrayVar(&o.allowlist, "allowlist", nil, "file of extra allowed pickle callables, one dotted name per line (pkg.mod.Class or pkg.mod.*); repeatable; the denylist still wins")
	f.IntVar(&o.workers, "workers", 0, "files processed at once (default: number of CPUs)")
	f.BoolVar(&o.progress, "progress", false, "show progress on stderr (default: when stderr is a terminal; --progress=false turns it off there)")
	f.BoolVar(&o.noHash, "no-hash", false, "skip the SHA-256 of each file so that only the bytes the scanners need are read (the digest is then left out)")
}

// runner returns the Runner the flags ask for, printing progress to stderr.
// An allowlist that cannot be read is a usage error.
func (o *runnerOptions) runner(stderr io.Writer) (*runner.Runner, error) {
	pol := pickle.DefaultPolicy()
	for _, path := range o.allowlist {
		if err := loadAllowlist(pol, path); err != nil {
			return nil, usageError{err}
		}
	}
	opts := []runner.Option{
		runner.WithScanners(runner.Scanners(runner.Config{Policy: pol})...),
		runner.WithWorkers(o.workers),
	}
	if o.noHash {
		opts = append(opts, runner.WithoutHash())
	}
	if o.showProgress(stderr) {
		opts = append(opts, runner.WithProgress(progressPrinter(stderr)))
	}
	return runner.New(opts...), nil
}

// showProgress is --progress when given, else whether stderr is a terminal.
func (o *runnerOptions) showProgress(stderr io.Writer) bool {
	if o.cmd != nil && o.cmd.Flags().Changed("progress") {
		return o.progress
	}
	return isTerminal(stderr)
}
