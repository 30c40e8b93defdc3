package registryscan

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// A Range request for more than windowLimit bytes (an open-ended read to
// a blob's end, as package oci makes for sequential reads) is fetched in
// windows, the first firstWindow bytes and each next one twice as large,
// as the caller reads on: a registry then sends about what is read, not
// what fits in the socket buffers before the caller closes the response.
const (
	windowLimit = 1 << 20
	firstWindow = 256 << 10
	maxWindow   = 16 << 20
)

// parseRange parses "bytes=A-B".
func parseRange(h string) (a, b int64, ok bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	first, last, ok2 := strings.Cut(spec, "-")
	if !ok || !ok2 || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, err1 := strconv.ParseInt(first, 10, 64)
	b, err2 := strconv.ParseInt(last, 10, 64)
	return a, b, err1 == nil && err2 == nil && a >= 0 && b >= a
}

// parseContentRange parses "bytes A-B/TOTAL" (TOTAL may be "*": -1;
// else it must be past B).
func parseContentRange(h string) (a, b, total int64, ok bool) {
	spec, ok := strings.CutPrefix(h, "bytes ")
	rng, tot, ok2 := strings.Cut(spec, "/")
	if !ok || !ok2 {
		return 0, 0, 0, false
	}
	a, b, ok = parseRange("bytes=" + rng)
	if !ok {
		return 0, 0, 0, false
	}
	total = -1
	if tot != "*" {
		t, err := strconv.ParseInt(tot, 10, 64)
		if err != nil || t <= b {
			return 0, 0, 0, false
		}
		total = t
	}
	return a, b, total, true
}

// windowed answers a large Range request a-b window by window. The
// response says what the request asked for (Content-Range a-b/TOTAL as
// the registry gave TOTAL); a registry that ignores Range, or answers
// with other bytes than asked, is passed through for the caller to judge.
func (t *transport) windowed(req *http.Request, a, b int64) (*http.Response, error) {
	first := req.Clone(req.Context())
	end := min(b, a+firstWindow-1)
	first.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", a, end))
	resp, err := t.retrying(first)
	if err != nil || resp.StatusCode != http.StatusPartialContent {
		return resp, err
	}
	ca, cb, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
	if !ok || ca != a || cb != end || cb >= b {
		return resp, nil
	}
	resp.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%s", a, b, totalString(total)))
	resp.ContentLength = b - a + 1
	resp.Body = &windowBody{t: t, req: req, cur: resp.Body, next: cb + 1, end: b, size: 2 * firstWindow}
	return resp, nil
}

func totalString(t int64) string {
	if t < 0 {
		return "*"
	}
	return strconv.FormatInt(t, 10)
}

// windowBody reads one window after the other.
type windowBody struct {
	t         *transport
	req       *http.Request
	cur       io.ReadCloser
	next, end int64 // the next window starts at next; the last byte is end
	size      int64
}

func (w *windowBody) Read(p []byte) (int, error) {
	for {
		n, err := w.cur.Read(p)
		if !errors.Is(err, io.EOF) || w.next > w.end {
			return n, err
		}
		if n > 0 {
			return n, nil
		}
		if err := w.open(); err != nil {
			return 0, err
		}
	}
}

func (w *windowBody) open() error {
	w.cur.Close()
	end := min(w.end, w.next+w.size-1)
	r := w.req.Clone(w.req.Context())
	r.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", w.next, end))
	resp, err := w.t.retrying(r)
	if err != nil {
		w.cur = io.NopCloser(strings.NewReader(""))
		return err
	}
	ca, cb, _, ok := parseContentRange(resp.Header.Get("Content-Range"))
	if resp.StatusCode != http.StatusPartialContent || !ok || ca != w.next || cb != end {
		resp.Body.Close()
		w.cur = io.NopCloser(strings.NewReader(""))
		return fmt.Errorf("range %d-%d: registry answered %d %q", w.next, end, resp.StatusCode, resp.Header.Get("Content-Range"))
	}
	w.cur, w.next, w.size = resp.Body, cb+1, min(2*w.size, maxWindow)
	return nil
}

func (w *windowBody) Close() error { return w.cur.Close() }
