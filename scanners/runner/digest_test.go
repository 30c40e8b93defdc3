package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/seed-43c89ce6/aibom/aibom/source"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// blobEntry is a random-access entry whose source announces a digest, as
// an OCI raw layer does.
type blobEntry struct {
	path, digest string
	data         []byte
}

func (e blobEntry) Path() string   { return e.path }
func (e blobEntry) Size() int64    { return int64(len(e.data)) }
func (e blobEntry) Digest() string { return e.digest }
func (e blobEntry) Open(context.Context) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(e.data)), nil
}
func (e blobEntry) OpenAt(context.Context) (source.ReaderAt, error) {
	return nopAt{bytes.NewReader(e.data)}, nil
}

type nopAt struct{ io.ReaderAt }

func (nopAt) Close() error { return nil }

func TestScanEntryChecksAnnouncedDigest(t *testing.T) {
	data := []byte("# a readme\n")
	sum := sha256.Sum256(data)
	good := "sha256:" + hex.EncodeToString(sum[:])
	r := New()
	ok := r.ScanEntry(context.Background(), blobEntry{"README.md", good, data})
	if ok.Verdict == scanners.Invalid || len(ok.Errors) != 0 {
		t.Fatalf("matching digest: verdict %v, errors %v", ok.Verdict, ok.Errors)
	}
	bad := "sha256:" + strings.Repeat("0", 64)
	res := r.ScanEntry(context.Background(), blobEntry{"README.md", bad, data})
	if res.Verdict != scanners.Invalid {
		t.Fatalf("mismatching digest: verdict %v, want invalid", res.Verdict)
	}
	if len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Error(), "README.md") ||
		!strings.Contains(res.Errors[0].Error(), bad) {
		t.Fatalf("mismatch error does not name the file and digest: %v", res.Errors)
	}
	// Without hashing nothing can be compared: no false alarm.
	off := New(WithoutHash()).ScanEntry(context.Background(), blobEntry{"README.md", bad, data})
	if off.Verdict == scanners.Invalid {
		t.Fatalf("hashing off: verdict invalid, want no digest check")
	}
}
