package verify

import (
	"errors"
)

// Predicate types of the attestations aibom writes and requires.
const (
	// PredicateCycloneDX is the in-toto predicate type of a CycloneDX BOM
	// (cosign's "--type cyclonedx"). aibom's predicate is the AI-BOM that
	// `aibom generate` writes, as JSON.
	PredicateCycloneDX = "https://cyclonedx.org/bom"
	// PredicateScanReport is the in-toto predicate type of an aibom scan
	// report. The predicate is the JSON report that `aibom scan --format
	// json` prints: {"files": [...], "summary": {"files", "verdicts",
	// "findings", "worst"}}, whose fields are only ever added.
	PredicateScanReport = "https://aibom.dev/scan-report/v1"
	// PredicateCosignSign is the predicate type of the statement that a
	// Sigstore bundle signature of an image carries (cosign's
	// --new-bundle-format); in that layout it is the signature.
	PredicateCosignSign = "https://sigstore.dev/cosign/sign/v1"
)

// Media types and annotations of the layouts.
const (
	MediaTypeSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json"
	MediaTypeDSSE          = "application/vnd.dsse.envelope.v1+json"
	MediaTypeBundle        = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// mediaTypeBundleAlt is how the protobuf-specs spell a bundle version.
	mediaTypeBundleAlt = "application/vnd.dev.sigstore.bundle+json;version=0.3"
	mediaTypeBundleV02 = "application/vnd.dev.sigstore.bundle.v0.2+json"
	// PayloadTypeInToto is the DSSE payload type of an in-toto Statement.
	PayloadTypeInToto = "application/vnd.in-toto+json"

	annotationSignature   = "dev.cosignproject.cosign/signature"
	annotationCertificate = "dev.sigstore.cosign/certificate"
	annotationChain       = "dev.sigstore.cosign/chain"
	annotationPredicate   = "predicateType"
)

// Layout is where signatures and attestations are stored.
type Layout int

const (
	// LayoutDefault is LayoutTags for key signing and LayoutReferrers for
	// keyless signing.
	LayoutDefault Layout = iota
	// LayoutTags is cosign's tag scheme: sha256-<hex>.sig and .att.
	LayoutTags
	// LayoutReferrers is Sigstore bundles as OCI 1.1 referrers.
	LayoutReferrers
)

// String returns the layout's name on the command line.
func (l Layout) String() string {
	switch l {
	case LayoutDefault:
		return "default"
	case LayoutTags:
		return "tags"
	case LayoutReferrers:
		return "referrers"
	}
	return "unknown"
}

// ParseLayout parses "tags" or "referrers".
func ParseLayout(s string) (Layout, error) {
	switch s {
	case "":
		return LayoutDefault, nil
	case "tags":
		return LayoutTags, nil
	case "referrers":
		return LayoutReferrers, nil
	}
	return 0, errors.Join(ErrConfig, errors.New(`verify: unknown layout `+quote(s)+` (want "tags" or "referrers")`))
}

// Sentinel errors.
var (
	// ErrConfig: a trust, identity, key or option is missing or invalid.
	ErrConfig = errors.New("verify: configuration error")
	// ErrRegistry: the registry could not be reached or answered badly
	// while resolving or writing.
	ErrRegistry = errors.New("verify: registry error")
	// ErrKey: a key could not be loaded (wrong password, bad file, KMS).
	ErrKey = errors.New("verify: key error")
)

func quote(s string) string { return `"` + s + `"` }
