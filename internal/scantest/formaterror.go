package scantest

import (
	"errors"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/scanners"
)

// CheckFormatError fails t unless err is a *scanners.FormatError of
// format whose offset lies within the size-byte file (0 to size).
func CheckFormatError(t testing.TB, err error, format string, size int64) {
	t.Helper()
	var fe *scanners.FormatError
	if !errors.As(err, &fe) || fe.Format != format || fe.Offset < 0 || fe.Offset > size {
		t.Fatalf("error %#v is not a %s FormatError inside the %d-byte file", err, format, size)
	}
}

// WantFormatError fails t unless err is a *scanners.FormatError of format
// whose message contains msg, at offset off (at any offset when off < 0).
func WantFormatError(t testing.TB, err error, format, msg string, off int64) {
	t.Helper()
	var fe *scanners.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v, want a %s FormatError", err, format)
		return // for a testing.TB whose Fatalf returns
	}
	if fe.Format != format || !strings.Contains(fe.Msg, msg) || (off >= 0 && fe.Offset != off) {
		t.Errorf("%s error %q at %d, want %s error %q at %d", fe.Format, fe.Msg, fe.Offset, format, msg, off)
	}
}
