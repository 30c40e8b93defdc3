// Package registryscan crawls a registry and scans every artifact in it
// with aibom's scanners (package scanners/runner), reading as few bytes as a
// verdict needs.
//
// A crawl lists the catalog (paginated), then each repository's tags
// (optionally filtered by glob patterns), resolves each tag with a HEAD
// request and deduplicates by digest within a repository; image indexes
// are followed to their manifests. cosign's tags (sha256-<hex>.sig, .att,
// .sbom), the OCI referrers tag fallback (sha256-<hex>) and any manifest
// with a subject are signatures, attestations and BOMs of their subject:
// they are reported on it (Result.Signed, Result.BOMAttached), never
// scanned. This is detection only: nothing is verified cryptographically
// (use package verify for that).
//
// Each layer is read once per run (results are memoised by digest) and,
// with WithCache, reused by later runs. Raw layers are read by HTTP range
// requests: a safetensors or GGUF file costs its header, a PyTorch zip its
// directory and pickles. Tar layers are streamed whole (their digest is
// checked), members no scanner wants are not buffered.
package registryscan
