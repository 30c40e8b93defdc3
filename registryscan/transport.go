package registryscan

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// Retry says how requests are retried: on 429 and 5xx answers and on
// transport errors, with exponential backoff and full jitter, honouring
// Retry-After (capped at MaxDelay).
type Retry struct {
	// Attempts is the most attempts per request (default 5).
	Attempts int
	// BaseDelay is the first backoff (default 250ms); it doubles each
	// attempt up to MaxDelay (default 30s).
	BaseDelay, MaxDelay time.Duration
	// Timeout bounds each attempt until its answer's headers arrive, and
	// then each read of its body (a stalled transfer) (default 60s).
	Timeout time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 5
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = 250 * time.Millisecond
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = 30 * time.Second
	}
	if r.Timeout <= 0 {
		r.Timeout = 60 * time.Second
	}
	return r
}

// transport retries, times out and counts the bytes of responses, adding
// them to the counter of the request's context (withCounter) and to total.
type transport struct {
	base    http.RoundTripper
	retry   Retry
	total   atomic.Int64
	retries atomic.Int64
}

type counterKey struct{}

// withCounter returns a context whose requests add the bytes they
// receive to c.
func withCounter(ctx context.Context, c *atomic.Int64) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet {
		if a, b, ok := parseRange(req.Header.Get("Range")); ok && b-a+1 > windowLimit {
			return t.windowed(req, a, b)
		}
	}
	return t.retrying(req)
}

// retrying sends req, retrying as Retry says.
func (t *transport) retrying(req *http.Request) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := t.attempt(req)
		retryable := (err != nil && retryableErr(err)) || err == nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500)
		if !retryable || attempt >= t.retry.Attempts || req.Body != nil && req.GetBody == nil {
			return resp, err
		}
		if req.Context().Err() != nil {
			return resp, err
		}
		wait := t.backoff(attempt, resp)
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
		}
		t.retries.Add(1)
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
		if req.GetBody != nil {
			b, gerr := req.GetBody()
			if gerr != nil {
				return nil, gerr
			}
			req.Body = b
		}
	}
}

// backoff is the wait before attempt+1: Retry-After if the registry
// gave one, else BaseDelay·2^(attempt-1) with full jitter, at most MaxDelay.
func (t *transport) backoff(attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
				return min(time.Duration(s)*time.Second, t.retry.MaxDelay)
			}
			if at, err := http.ParseTime(ra); err == nil {
				return min(max(time.Until(at), 0), t.retry.MaxDelay)
			}
		}
	}
	d := min(t.retry.BaseDelay<<min(attempt-1, 20), t.retry.MaxDelay)
	return time.Duration(rand.Int64N(int64(d)) + 1) //nolint:gosec // jitter, not a secret
}

// attempt sends req once, under the per-attempt timeout.
func (t *transport) attempt(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	timer := time.AfterFunc(t.retry.Timeout, cancel)
	resp, err := t.base.RoundTrip(req.Clone(ctx))
	if err != nil {
		timer.Stop()
		cancel()
		return nil, err
	}
	c, _ := req.Context().Value(counterKey{}).(*atomic.Int64)
	resp.Body = &countingBody{rc: resp.Body, c: c, t: t, timer: timer, timeout: t.retry.Timeout, cancel: cancel}
	return resp, nil
}

// countingBody counts what is read, resets the stall timer on each read
// and releases the attempt's context on Close.
type countingBody struct {
	rc      io.ReadCloser
	c       *atomic.Int64
	t       *transport
	timer   *time.Timer
	timeout time.Duration
	cancel  context.CancelFunc
}

func (b *countingBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.timeout)
	n, err := b.rc.Read(p)
	if b.c != nil {
		b.c.Add(int64(n))
	}
	b.t.total.Add(int64(n))
	return n, err
}

func (b *countingBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel()
	return err
}

// retryableErr reports whether a transport error may pass: a reset or
// refused connection, a timeout, a connection cut short. A TLS or protocol
// error (a plain-HTTP registry asked for HTTPS) will not.
func retryableErr(err error) bool {
	var ne net.Error
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		(errors.As(err, &ne) && ne.Timeout())
}
