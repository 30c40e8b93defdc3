// Package oci reads, publishes and fetches models stored as OCI artifacts and
// images: CNCF ModelPack, KitOps ModelKits, Docker model artifacts, what
// `oras push` writes, and ordinary container images. go-containerregistry
// does the registry work.
//
// Registry holds how registries are reached; every package that talks to a
// registry (verify, the OCI source, push and pull, the registry scan) takes
// one, so that credentials, TLS and timeouts are configured in one place.
//
// # Reading
//
// Open takes "oci://REF" (a registry), an OCI image layout folder, or a
// tarball (an OCI layout in a tar, or the older `docker save` format). A
// registry reference is resolved to a manifest digest once; every later read
// is by digest. An image index is followed to one manifest: the one matching
// WithPlatform, else the first ModelPack / KitOps / Docker model manifest,
// else the first. The Artifact records the manifest digest, the layers and
// the config (ModelConfig, Kitfile), and gives the PURL.
//
// Artifact.Walk lists the files without unpacking anything to disk: a raw
// layer is one file, read at random (HTTP Range requests from a registry);
// a tar layer (tar, tar+gzip, tar+zstd) is streamed member by member, its
// size and digest checked as it streams. Everything read is bounded (Limits).
//
// # Publishing and fetching
//
// NewModelPack packages files as a ModelPack artifact (one raw layer per
// weight file, deterministic tars for the rest) streamed from disk, and Push
// writes it. Pull writes an artifact's files into a folder, verifying every
// byte before anything is renamed into place; WithVerifier runs a signature
// check on the digest first.
package oci
