package policies

import (
	"encoding/json"
	"time"
)

// Input is what a policy sees as input: the verified facts about one
// artifact, identified by its digest, and the admission context when a
// Kubernetes object asks for it. Its JSON form is documented by
// input.schema.json; the field tags are that schema.
type Input struct {
	// Reference is the reference as the user or the Pod spec wrote it
	// (registry/repo:tag or @digest); informational only.
	Reference string `json:"reference,omitempty"`
	// Digest is the manifest digest every other fact is about
	// (sha256:<64 hex>).
	Digest string `json:"digest"`
	// Signers are the identities whose signature of Digest itself verified
	// against the configured trust (keys or certificate roots). Invalid
	// signatures are not signers; they are listed in Attestations.
	Signers []Identity `json:"signers"`
	// Attestations lists every signature and attestation found for Digest,
	// valid or not, with what was verified about each.
	Attestations []Attestation `json:"attestations"`
	// BOM is the AI-BOM (CycloneDX JSON, as aibom generate writes it) from
	// the verified BOM attestation's predicate; absent when there is none.
	BOM json.RawMessage `json:"bom,omitempty"`
	// Scan is the scan report (the aibom scan --format json contract) from
	// the verified scan attestation; absent when there is none.
	Scan json.RawMessage `json:"scan,omitempty"`
	// Context is the admission request, when there is one.
	Context *Context `json:"context,omitempty"`
}

// Identity is who signed: a key or a certificate identity.
type Identity struct {
	// KeyFingerprint identifies a public key: "sha256:" and the hex SHA-256
	// of its DER (PKIX) encoding. Set for key-based signatures.
	KeyFingerprint string `json:"keyFingerprint,omitempty"`
	// Subject is the certificate identity (the SAN: an e-mail address or a
	// URI) for keyless signatures.
	Subject string `json:"subject,omitempty"`
	// Issuer is the OIDC issuer recorded in the certificate.
	Issuer string `json:"issuer,omitempty"`
}

// Attestation kinds.
const (
	KindSignature = "signature"
	KindBOM       = "bom"
	KindScan      = "scan"
	// KindModelSigning is an OpenSSF Model Signing (OMS) signature over the
	// model's files, checked against the artifact's layers.
	KindModelSigning = "model-signing"
	KindOther        = "other"
)

// Attestation is one signature or attestation found for the digest.
type Attestation struct {
	// Kind is signature, bom, scan or other, decided from the signed
	// payload's predicate type (never from unsigned annotations).
	Kind string `json:"kind"`
	// PredicateType is the in-toto predicate type read from the signed
	// statement (empty for a plain signature).
	PredicateType string `json:"predicateType,omitempty"`
	// Signer is who signed it (set only when the signature verified).
	Signer *Identity `json:"signer,omitempty"`
	// Valid is true when the signature verified against the configured trust
	// and, for an attestation, its signed subject is Digest.
	Valid bool `json:"valid"`
	// Problem says why it is not valid.
	Problem string `json:"problem,omitempty"`
	// SignedAt is when it was signed: a transparency-log or timestamp
	// authority time when there is one (TimeSource "tlog" or "tsa"),
	// otherwise the time the signed payload states (TimeSource "payload",
	// e.g. the BOM's metadata.timestamp).
	SignedAt *time.Time `json:"signedAt,omitempty"`
	// TimeSource is tlog, tsa or payload.
	TimeSource string `json:"timeSource,omitempty"`
	// Layout is where it was found: "tag" (cosign's sha256-<hex>.sig/.att)
	// or "referrer" (a Sigstore bundle as an OCI referrer).
	Layout string `json:"layout,omitempty"`
}

// Context is the Kubernetes admission request that asks for the artifact.
type Context struct {
	// Namespace of the object.
	Namespace string `json:"namespace,omitempty"`
	// Kind of the object (Pod, Deployment, InferenceService, ...).
	Kind string `json:"kind,omitempty"`
	// Name of the object.
	Name string `json:"name,omitempty"`
	// Operation is CREATE, UPDATE, ...
	Operation string `json:"operation,omitempty"`
	// Image is the reference as written in the object.
	Image string `json:"image,omitempty"`
	// Path is the field path that holds it
	// (spec.containers[0].image, spec.predictor.model.storageUri, ...).
	Path string `json:"path,omitempty"`
	// Labels are the object's labels.
	Labels map[string]string `json:"labels,omitempty"`
}
