package runner

import (
	"fmt"
	"strings"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// checkDigest compares the SHA-256 the runner computed for a file with the
// digest its source announced (an OCI raw layer's digest: its bytes are
// read by range and not checked by the source). A mismatch makes the file
// invalid, with an error naming the file and both digests: what was
// scanned is not what the source says it is. Nothing is checked when
// hashing is off or the source knows no digest.
func checkDigest(res *scanners.FileResult, want string) {
	if want == "" || res.SHA256 == "" {
		return
	}
	algo, hex, ok := strings.Cut(want, ":")
	if !ok || algo != "sha256" || strings.EqualFold(hex, res.SHA256) {
		return
	}
	res.Errors = append(res.Errors, &scanners.FormatError{Format: "io", Offset: -1,
		Msg: fmt.Sprintf("%s: content has digest sha256:%s, the source says %s (tampered or corrupt)", res.Path, res.SHA256, want)})
	if res.Verdict < scanners.Invalid {
		res.Verdict = scanners.Invalid
	}
}
