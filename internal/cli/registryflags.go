package cli

import (
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/seed-43c89ce6/aibom/oci"
)

// registryOptions are the flags of every verb that talks to a registry.
type registryOptions struct {
	insecure bool
}

// AddFlags registers the flags on cmd.
func (o *registryOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.insecure, "insecure", false, "allow plain HTTP and unverified TLS for registries that are not on a loopback address (loopback registries may always use HTTP); credentials come from the docker config and its credential helpers")
}

// registry returns how to reach registries.
func (o *registryOptions) registry() oci.Registry {
	return oci.Registry{Insecure: o.insecure, UserAgent: "aibom/" + version}
}

// reference parses REF ("oci://REF" or "REF") as the registry flags say;
// a malformed reference is a usage error.
func (o *registryOptions) reference(s string) (oci.Registry, name.Reference, error) {
	reg := o.registry()
	ref, err := reg.ParseReference(s)
	if err != nil {
		return reg, nil, usageError{err}
	}
	return reg, ref, nil
}
