package registryscan

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// TestWindowedRange: a large Range request is answered as asked (status,
// Content-Range, length, bytes), but the server sends only about what the
// caller reads before it closes the response.
func TestWindowedRange(t *testing.T) {
	blob := make([]byte, 32<<20)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(blob)
	var served atomic.Int64
	done := make(chan struct{}, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(countingWriter{w, &served}, r, "blob", time.Time{}, bytes.NewReader(blob))
		done <- struct{}{}
	}))
	defer srv.Close()
	tr := &transport{base: http.DefaultTransport, retry: Retry{}.withDefaults()}
	get := func(rangeHdr string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("Range", rangeHdr)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get("bytes=100-33554431")
	if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != "bytes 100-33554431/33554432" || resp.ContentLength != 32<<20-100 {
		t.Fatalf("answer: %d %q %d", resp.StatusCode, resp.Header.Get("Content-Range"), resp.ContentLength)
	}
	head := make([]byte, 300<<10)
	if _, err := io.ReadFull(resp.Body, head); err != nil || !bytes.Equal(head, blob[100:100+len(head)]) {
		t.Fatalf("first 300 KiB: %v", err)
	}
	resp.Body.Close()
	<-done // the handler has written all it could
	if s := served.Load(); s > 1<<20 {
		t.Errorf("server sent %d bytes for a 300 KiB read, want under 1 MiB", s)
	}
	resp = get("bytes=5-33554431")
	all, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(all, blob[5:]) {
		t.Errorf("whole range: %d bytes, %v", len(all), err)
	}
}
