package modelsig

import (
	"context"
	"errors"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"

	"github.com/seed-43c89ce6/aibom/verify"
)

// verifyKeyless checks a keyless (Fulcio certificate) signature against the
// trusted root and identities.
func verifyKeyless(ctx context.Context, pb *protobundle.Bundle, t verify.Trust) (string, error) {
	return "", errors.New("keyless verification of model signatures is not implemented yet")
}
