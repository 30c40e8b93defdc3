package modelsig

import (
	"errors"

	"github.com/seed-43c89ce6/aibom/verify/internal/oms"
)

// Sentinel errors.
var (
	// ErrConfig: a trust option, path or flag is missing or invalid.
	ErrConfig = errors.New("modelsig: configuration error")
	// ErrMalformed: the signature file is not a well-formed OMS signature.
	ErrMalformed = oms.ErrMalformed
	// ErrTooLarge: a bound of Limits was hit.
	ErrTooLarge = oms.ErrTooLarge
)

// Limits bound what Verify reads.
type Limits struct {
	// MaxSignatureBytes bounds the model.sig file.
	MaxSignatureBytes int64
	// MaxFiles bounds the files of the model and the resources of a manifest.
	MaxFiles int
	// MaxCertificates bounds the certificate chain of a bundle.
	MaxCertificates int
}

// DefaultLimits are generous for real models and small for attackers.
func DefaultLimits() Limits {
	return Limits{MaxSignatureBytes: 64 << 20, MaxFiles: 1 << 20, MaxCertificates: 10}
}

// DefaultSignatureName is the name of the detached signature in a model folder.
const DefaultSignatureName = "model.sig"

// defaultIgnore are the paths the reference ignores by default (besides the
// signature file itself).
var defaultIgnore = []string{".git", ".gitattributes", ".github", ".gitignore"}
