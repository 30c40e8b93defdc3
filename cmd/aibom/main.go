// Command aibom describes, scans and verifies AI models: see `aibom --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/seed-43c89ce6/aibom/internal/cli"
)

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft ceiling: the walkers' models are bounded, and this keeps
		// the collector from letting garbage pile up above it.
		debug.SetMemoryLimit(192 << 20)
	}
	registerKeySources()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
