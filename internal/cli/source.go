package cli

import (
	"context"
	"io"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/oci"
)

// openSource opens what a verb was given as a source of model files: an
// OCI artifact (source.IsOCI: "oci://REF", an OCI layout folder, an image
// tarball), else a directory, a single file or the Hugging Face cache.
// Every verb that reads a model goes through it, so that `scan` and
// `generate` see the same files. The caller closes the source with
// closeSource.
//
// A .tar is an image only when its root has an OCI layout (oci-layout and
// index.json) or a `docker save` manifest.json; any other tar is scanned
// as a tar of model files (source.IsImageTar).
func openSource(ctx context.Context, arg string, reg oci.Registry) (source.Source, error) {
	if source.IsOCI(arg) {
		return source.OpenOCI(ctx, arg, oci.WithRegistry(reg))
	}
	return source.Open(ctx, arg)
}

// closeSource releases what a source holds open, if anything.
func closeSource(src source.Source) {
	if c, ok := src.(io.Closer); ok {
		_ = c.Close()
	}
}
