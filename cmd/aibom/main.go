// Command aibom describes, scans and verifies AI models: see `aibom --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/seed-43c89ce6/aibom/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
