package main

import (
	"context"
	"fmt"
	"os"

	// The KMS providers of sigstore's KMS support, for --key awskms://,
	// gcpkms://, azurekms:// and hashivault:// (verify.LoadSigner). Each
	// reads its cloud's usual credentials from the environment.
	_ "github.com/sigstore/sigstore/pkg/signature/kms/aws"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/azure"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/gcp"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/hashivault"

	"github.com/seed-43c89ce6/aibom/verify"
)

// registerKeySources lets --key name a key held in an environment
// variable, env://VAR, as cosign does (e.g. a CI secret).
func registerKeySources() {
	verify.AddKeySource("env://", func(_ context.Context, name string) ([]byte, error) {
		v, ok := os.LookupEnv(name)
		if !ok {
			return nil, fmt.Errorf("environment variable %s is not set", name)
		}
		return []byte(v), nil
	})
}
