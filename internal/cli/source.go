package cli

import (
	"context"

	"github.com/seed-43c89ce6/aibom/aibom/source"
)

// openSource opens what a verb was given as a source of model files: a
// directory, a single file or the Hugging Face cache. Every verb that reads
// a model goes through it, so that `scan` and `generate` see the same files.
func openSource(ctx context.Context, arg string) (source.Source, error) {
	return source.Open(ctx, arg)
}
