package modelsig

import (
	"github.com/seed-43c89ce6/aibom/verify/internal/oms"
)

// Predicate types and the statement type of the reference's payloads.
const (
	// PredicateV1 is the OMS v1.0 predicate (model_signing 0.3 and 1.x).
	PredicateV1 = oms.PredicateV1
	// PredicateDigestsV01 is model_signing 0.2's payload: one in-toto subject
	// per file.
	PredicateDigestsV01 = oms.PredicateDigestsV01
	// StatementV1 is the in-toto Statement type.
	StatementV1 = oms.StatementV1

	methodFiles = oms.MethodFiles
	hashSHA256  = oms.HashSHA256
)

// The statement's types and its parser live in verify/internal/oms, which
// package verify shares to check OMS signatures attached to OCI artifacts.
type (
	resource          = oms.Resource
	manifest          = oms.Manifest
	subject           = oms.Subject
	statement         = oms.Statement
	serialization     = oms.Serialization
	predicateResource = oms.PredicateResource
	predicateV1       = oms.Predicate
)

func strictUnmarshal(b []byte, v any) error { return oms.StrictUnmarshal(b, v) }

// parseStatement reads the signed in-toto statement and returns its manifest.
func parseStatement(payload []byte, lim Limits) (*manifest, error) {
	return oms.ParseStatement(payload, lim.MaxFiles)
}

func checkResources(rs []resource) error { return oms.CheckResources(rs) }

// rootDigest is the reference's subject digest: SHA-256 over the raw digests
// of the resources, in order.
func rootDigest(rs []resource) (string, error) { return oms.RootDigest(rs) }
