// Package verify signs, attests and verifies models and images stored in OCI
// registries, compatibly with cosign and Sigstore.
//
// Three operations, one library for every caller (the CLI's sign, attest and
// verify, pull --key, the admission webhook, the registry scan):
//
//   - [Sign] writes a cosign-compatible signature of an artifact's digest.
//   - [Attest] writes a DSSE-signed in-toto Statement whose subject is the
//     artifact's digest and whose predicate is the bytes the caller passes
//     (a CycloneDX AI-BOM, PredicateCycloneDX, or an aibom scan report,
//     PredicateScanReport).
//   - [Verifier.Verify] resolves a reference to a digest once and checks the
//     signature and the attestations of that digest only.
//
// # Layouts
//
// Two storage layouts exist, and Verify reads both without being told which:
//
//   - LayoutTags, cosign's tag scheme: "sha256-<hex>.sig" holds simple-signing
//     payloads with the signature in a layer annotation, "sha256-<hex>.att"
//     holds DSSE envelopes. It is the default for Sign and Attest: every
//     registry accepts it (the CNCF distribution registry has no referrers
//     API), and every cosign release since 1.0 verifies it with a key
//     offline, without a trusted root file.
//   - LayoutReferrers: Sigstore bundles (v0.3) as OCI 1.1 referrers of the
//     artifact, with go-containerregistry's referrers tag fallback
//     ("sha256-<hex>" index) for registries without the API. Keyless
//     signing always uses it: a bundle carries the certificate and the
//     transparency-log proof together.
//
// Keyless signatures in the tag layout (cosign v2's certificate, chain and
// Rekor bundle annotations) are verified too: the Rekor bundle's signed
// entry timestamp gives the time at which the certificate must be valid.
// With WithRequireTlog, key signatures count only with a log entry of the
// trusted root for that very signature, key and payload.
//
// # Model signatures
//
// [AttachModelSignature] stores an OpenSSF Model Signing signature (the
// model.sig of verify/modelsig, over the model's files) as a referrer of
// the artifact. Require.ModelSigning asks for one by a trusted signer
// whose signed files are exactly the artifact's: a raw layer by its layer
// digest (nothing is downloaded), a tar layer by streaming it and hashing
// its members. It covers the files, not the manifest or the config: a
// cosign signature of the digest (Require.Signature) covers those.
//
// # Strictness
//
// Verify is stricter than cosign's defaults (see SECURITY.md): an
// attestation counts only when the subject of its signed statement is the
// digest; the predicate type comes from the signed payload, never from an
// annotation; an attestation is never a signature and a signature never an
// attestation; a foreign or broken signature next to a valid one is reported
// in Result.Problems and changes nothing else; identity regular expressions
// are anchored; every size, count and wait is bounded by [Limits].
package verify
