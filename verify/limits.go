package verify

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
)

// Limits bound everything Verify reads from a registry. A limit that is hit
// makes the answer "not verified" and is reported as a problem; it is never
// skipped silently.
type Limits struct {
	// MaxManifestBytes bounds every manifest and index (referrers lists
	// included).
	MaxManifestBytes int64
	// MaxBlobBytes bounds every signature, envelope or bundle layer, and so
	// the size of an attested BOM or scan report.
	MaxBlobBytes int64
	// MaxLayers bounds the layers of one signature or attestation manifest.
	MaxLayers int
	// MaxReferrers bounds the referrers of the digest; more make the
	// referrers layout unverifiable (fail closed).
	MaxReferrers int
	// Timeout bounds one whole Verify call.
	Timeout time.Duration
}

// DefaultLimits are generous for real artifacts and small for attackers.
func DefaultLimits() Limits {
	return Limits{
		MaxManifestBytes: 4 << 20,
		MaxBlobBytes:     64 << 20,
		MaxLayers:        64,
		MaxReferrers:     128,
		Timeout:          2 * time.Minute,
	}
}

// ErrTooLarge is returned when a registry response passes a size limit.
var ErrTooLarge = errors.New("verify: registry response larger than the limit")

// limitTransport fails every response body longer than max, so that no
// library reading through it (go-containerregistry reads manifests and
// referrer lists with io.ReadAll) can be made to buffer without bound.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	if resp.ContentLength > t.max {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%w: %s %s: %d bytes (limit %d)", ErrTooLarge, req.Method, req.URL.Path, resp.ContentLength, t.max)
	}
	resp.Body = &limitBody{rc: resp.Body, left: t.max, max: t.max, what: req.URL.Path}
	return resp, nil
}

type limitBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
	what string
}

func (b *limitBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells "exactly max" from "more than max".
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w: %s (limit %d bytes)", ErrTooLarge, b.what, b.max)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitBody) Close() error { return b.rc.Close() }

// readBounded reads all of r, failing beyond max bytes.
func readBounded(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := safeio.ReadAll(r, limit)
	if errors.Is(err, safeio.ErrTooLarge) {
		return nil, fmt.Errorf("%w: %s (limit %d bytes)", ErrTooLarge, what, limit)
	}
	return b, err
}
