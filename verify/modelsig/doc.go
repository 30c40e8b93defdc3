// Package modelsig signs and verifies models on disk in the OpenSSF Model
// Signing (OMS) format of the reference `model_signing` implementation
// (github.com/sigstore/model-transparency): a detached `model.sig`, a Sigstore
// bundle v0.3 holding a DSSE envelope of an in-toto Statement whose predicate
// lists the digest of every file of the model.
//
// # Manifest
//
// The `files` serialization hashes every regular file under the model folder
// with SHA-256; names are relative, '/'-separated and sorted. The statement's
// single subject is named after the folder (or the file) and its digest is
// SHA-256 over the concatenated raw digests of the resources, in the order the
// statement lists them (sorted when aibom signs), as the reference computes it.
// A single model file is one resource named ".".
//
// # Payload versions
//
// Verify reads the v1.0 predicate (https://model_signing/signature/v1.0, written
// by model_signing 0.3 and 1.x) and the older per-file-subject payload
// (https://model_signing/Digests/v0.1, model_signing 0.2). Sign writes v1.0.
//
// # Strictness
//
// The payload type, predicate type and manifest come from the signed bytes only;
// a signature file, statement or manifest that is malformed, duplicated or over
// a Limits bound is "not verified", never skipped. Every changed, added,
// renamed or missing file is named in Result.Problems. Symlinks are refused
// unless AllowSymlinks is set.
package modelsig
