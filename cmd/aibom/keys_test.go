package main

import (
	"context"
	"crypto"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature/kms"

	"github.com/seed-43c89ce6/aibom/verify"
)

// TestKMSProvidersRegistered: the binary registers sigstore's four KMS
// providers, and a key reference with their scheme reaches the provider
// (whose own reference check refuses these malformed ones) rather than
// being read as a file.
func TestKMSProvidersRegistered(t *testing.T) {
	got := kms.SupportedProviders()
	for _, scheme := range []string{"awskms://", "gcpkms://", "azurekms://", "hashivault://"} {
		if !slices.Contains(got, scheme) {
			t.Errorf("KMS provider %s not registered (have %v)", scheme, got)
			continue
		}
		ref := scheme + "%%%not-a-key-reference"
		_, err := verify.LoadPublicKey(context.Background(), ref)
		if !errors.Is(err, verify.ErrKey) || !strings.Contains(err.Error(), "KMS key") {
			t.Errorf("LoadPublicKey(%s): %v, want a KMS error from the provider", ref, err)
		}
	}
}

// TestEnvKeyRef: --key env://VAR reads the key from the environment, as
// cosign does; an unset variable is named in the error.
func TestEnvKeyRef(t *testing.T) {
	registerKeySources()
	pub, err := os.ReadFile("../../verify/testdata/keys/ecdsa-p256.pub")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AIBOM_TEST_PUB", string(pub))
	v, err := verify.LoadPublicKey(context.Background(), "env://AIBOM_TEST_PUB")
	if err != nil {
		t.Fatal(err)
	}
	k, err := v.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	want, err := cryptoutils.UnmarshalPEMToPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if !want.(interface{ Equal(crypto.PublicKey) bool }).Equal(k) {
		t.Error("env:// loaded another key")
	}
	if _, err := verify.LoadPublicKey(context.Background(), "env://AIBOM_TEST_UNSET_VAR"); err == nil || !strings.Contains(err.Error(), "AIBOM_TEST_UNSET_VAR is not set") {
		t.Errorf("unset variable: %v", err)
	}
}
