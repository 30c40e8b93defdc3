// Package omsbundle reads the Sigstore bundle of an OpenSSF Model Signing
// (OMS) signature file: the protobuf-JSON envelope around the DSSE
// signature. It checks the bundle's form only; the signature, the
// certificate and the statement are checked by verify/modelsig.
//
// It is its own package, linking the protobuf types and package oms only,
// so that its fuzz target does not carry the coverage counters of the
// whole verifier (1,000 packages) in every execution.
package omsbundle

import (
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/seed-43c89ce6/aibom/verify/internal/oms"
)

// Bundle media types the reference writes (v0.3) in both spellings.
const (
	MediaTypeV03    = "application/vnd.dev.sigstore.bundle.v0.3+json"
	MediaTypeV03Alt = "application/vnd.dev.sigstore.bundle+json;version=0.3"
)

// PayloadTypeInToto is the DSSE payload type of an in-toto statement (the
// same as verify.PayloadTypeInToto).
const PayloadTypeInToto = "application/vnd.in-toto+json"

// Parse reads a Sigstore bundle that holds a DSSE envelope with exactly
// one signature over an in-toto payload. A repeated JSON key is an error.
// Unknown fields are discarded: model signing 1.0 wrote a public key's raw
// bytes where the bundle schema has only a hint, and the key that verifies
// always comes from the caller. Errors wrap oms.ErrMalformed.
func Parse(b []byte) (*protobundle.Bundle, *protodsse.Envelope, error) {
	if err := oms.NoDuplicateKeys(b); err != nil {
		return nil, nil, fmt.Errorf("%w: bundle: %w", oms.ErrMalformed, err)
	}
	var pb protobundle.Bundle
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &pb); err != nil {
		return nil, nil, fmt.Errorf("%w: bundle: %w", oms.ErrMalformed, err)
	}
	if mt := pb.GetMediaType(); mt != MediaTypeV03 && mt != MediaTypeV03Alt {
		return nil, nil, fmt.Errorf("%w: bundle media type %q, want %q", oms.ErrMalformed, mt, MediaTypeV03)
	}
	env := pb.GetDsseEnvelope()
	if env == nil {
		return nil, nil, fmt.Errorf("%w: the bundle holds no DSSE envelope", oms.ErrMalformed)
	}
	if env.GetPayloadType() != PayloadTypeInToto {
		return nil, nil, fmt.Errorf("%w: DSSE payload type %q, want %q", oms.ErrMalformed, env.GetPayloadType(), PayloadTypeInToto)
	}
	if n := len(env.GetSignatures()); n != 1 {
		return nil, nil, fmt.Errorf("%w: the DSSE envelope has %d signatures, want 1", oms.ErrMalformed, n)
	}
	if len(env.GetSignatures()[0].GetSig()) == 0 {
		return nil, nil, fmt.Errorf("%w: empty DSSE signature", oms.ErrMalformed)
	}
	return &pb, env, nil
}
