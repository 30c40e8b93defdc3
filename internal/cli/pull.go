package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/oci"
)

// pullOptions are the flags of `aibom pull`.
type pullOptions struct {
	registry registryOptions
	format   string
}

// AddFlags registers the flags on cmd.
func (o *pullOptions) AddFlags(cmd *cobra.Command) {
	o.registry.AddFlags(cmd)
	cmd.Flags().StringVar(&o.format, "format", "text", "output: text or json")
}

func newPull(stdout io.Writer) *cobra.Command {
	o := &pullOptions{}
	cmd := &cobra.Command{
		Use:   "pull oci://REF DIR",
		Short: "Fetch a model artifact into a folder, checking every digest",
		Long: `Resolve REF to a digest once, then write the artifact's files into DIR:
raw layers to the path their org.cncf.model.filepath (or
org.opencontainers.image.title) annotation names, tar layers (tar, tar+gzip,
tar+zstd) unpacked. Reads CNCF ModelPack, KitOps ModelKits, Docker model
artifacts, what 'oras push' writes, and container images.

Files are written to a staging folder inside DIR and renamed into place only
after every layer's size and digest checked out: a registry serving wrong
bytes leaves DIR as it was. Tar members with absolute paths, '..', links or
devices, and paths through a link already in DIR, are refused.`,
		Example: `  aibom pull oci://registry.example/models/llama-3-8b:v1 ./llama-3-8b
  aibom pull oci://localhost:5000/m@sha256:... ./m --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPull(cmd, o, args[0], args[1], stdout)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func runPull(cmd *cobra.Command, o *pullOptions, refStr, dir string, stdout io.Writer) error {
	if o.format != "text" && o.format != "json" {
		return usageError{fmt.Errorf("--format: %q is not text or json", o.format)}
	}
	reg := o.registry.registry()
	ref, err := reg.ParseReference(refStr)
	if err != nil {
		return usageError{err}
	}
	ctx := cmd.Context()
	a, err := oci.OpenRemote(ctx, ref, oci.WithRegistry(reg))
	if err != nil {
		return err
	}
	defer a.Close()
	files, err := oci.Pull(ctx, a, dir)
	if err != nil {
		return err
	}
	if o.format == "json" {
		type file struct {
			Path   string `json:"path"`
			Size   int64  `json:"size"`
			Layer  string `json:"layer"`
			Digest string `json:"digest,omitempty"`
		}
		out := struct {
			Reference string `json:"reference"`
			Digest    string `json:"digest"`
			Kind      string `json:"kind"`
			Files     []file `json:"files"`
		}{Reference: ref.String(), Digest: a.Digest.String(), Kind: string(a.Kind), Files: []file{}}
		for _, f := range files {
			fl := file{Path: f.Path, Size: f.Size, Layer: f.Layer.String()}
			if f.Digest.Hex != "" {
				fl.Digest = f.Digest.String()
			}
			out.Files = append(out.Files, fl)
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	_, err = fmt.Fprintf(stdout, "%s: %d files (%s) into %s\n", ref.Context().Digest(a.Digest.String()), len(files), a.Kind, dir)
	return err
}
