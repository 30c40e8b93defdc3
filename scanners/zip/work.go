package zip

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"

	"github.com/seed-43c89ce6/aibom/internal/safeio"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// withWork returns the budget of ctx (shared by every archive and stream
// nested in one top-level file: see safeio.Work), attaching one bounded by
// o to a top-level scan.
func withWork(ctx context.Context, o ScanOptions) (context.Context, *safeio.Work) {
	return safeio.WithWork(ctx, o.workLimits())
}

// contentOf returns the content key of a compressed member: the hash of
// its compressed bytes, its method and sizes; false when it is stored or
// too large to hash.
func contentOf(a *Archive, e *Entry) (safeio.ContentKey, bool) {
	k := safeio.ContentKey{Method: fmt.Sprintf("zip-%d", e.Method), Size: int64(e.UncompressedSize), //nolint:gosec // a key only
		Extra: int64(e.CompressedSize)} //nolint:gosec // a key only
	if e.Method == Store || e.CompressedSize > safeio.MaxHashed || e.DataOffset < 0 {
		return k, false
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(a.r, e.DataOffset, int64(e.CompressedSize))); err != nil {
		return k, false
	}
	h.Sum(k.Sum[:0])
	return k, true
}

// boundHit is the finding and error of a work bound: the file is invalid,
// never clean, and the rest of it was not scanned.
func boundHit(off int64, err error) (scanners.Finding, error) {
	return scanners.Finding{Rule: RuleBomb, Severity: scanners.High, Offset: off,
			ATLAS: scanners.ATLASSupplyChainModel, Message: fmt.Sprintf("zip bomb: %v; the rest was not scanned", err)},
		scanners.Errorf("zip", off, "%v; the rest was not scanned", err)
}

// zipCryptoHeader is the size of the header that traditional PKWARE
// encryption puts before a member's data.
const zipCryptoHeader = 12

// encryptedMember rewrites the findings of an entry that really is
// encrypted: the flag finding and the stored-size finding that encryption
// causes give way to one finding saying the member cannot be inspected
// (issue 11: a password-protected zip gave ZIP-BAD-CRC and
// ZIP-SIZE-MISMATCH). Its bytes were still scanned as plain data, as a
// loader that ignores the flag reads them.
func encryptedMember(out []scanners.Finding, e *Entry) []scanners.Finding {
	drop := map[scanners.Finding]bool{}
	for _, p := range e.Problems {
		if p.Rule == RuleEncrypted || p.Rule == RuleSizeMismatch {
			drop[p] = true
		}
	}
	kept := out[:0]
	for _, fd := range out {
		if !drop[fd] {
			kept = append(kept, fd)
		}
	}
	return append(kept, problem(RuleEncryptedMember, scanners.Medium, e.LocalHeaderOffset, fmt.Sprintf(
		"encrypted member %q: cannot be inspected (method %d, flags %#04x)", e.Name, e.Method, e.Flags|e.LocalFlags)))
}
