package registryscan

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-43c89ce6/aibom/oci"
	"github.com/seed-43c89ce6/aibom/scanners"
)

// TestRetryOn429And503: a registry that answers every other request with
// 429 (Retry-After: 0) or 503 is crawled to the same results, the failed
// requests retried.
func TestRetryOn429And503(t *testing.T) {
	host := inProcessRegistry(t)
	p := pusher{t, host}
	p.modelPack("m/evil:v1", map[string][]byte{"pytorch_model.bin": fixture(t, "pytorch/malicious_zip.pt")})
	p.modelPack("m/ok:v1", map[string][]byte{"model.safetensors": fixture(t, "safetensors/model.safetensors")})
	px := newProxy(t, host)
	var n, injected atomic.Int64
	fail := func(*http.Request) (int, string) {
		if n.Add(1)%2 == 0 {
			injected.Add(1)
			if n.Load()%4 == 0 {
				return http.StatusTooManyRequests, "0"
			}
			return http.StatusServiceUnavailable, ""
		}
		return 0, ""
	}
	px.fail.Store(&fail)
	s, err := New(oci.Registry{}, WithRetry(Retry{Attempts: 6, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, px.host())
	if got["m/evil:v1"].Verdict != scanners.Malicious || got["m/ok:v1"].Verdict != scanners.Clean {
		t.Errorf("results under injected failures: %s", mustJSON(got))
	}
	if st.Retries == 0 || injected.Load() == 0 {
		t.Errorf("no retries: %+v, %d failures injected", st, injected.Load())
	}
	for _, r := range got {
		if r.Error != "" {
			t.Errorf("%s: %s", r.Key(), r.Error)
		}
	}
}

// TestRetryAfterAndGiveUp: Retry-After is honoured, and a registry that
// keeps failing makes the run fail with the status, not hang.
func TestRetryAfterAndGiveUp(t *testing.T) {
	var calls atomic.Int64
	var first, second time.Time
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		switch calls.Add(1) {
		case 1:
			first = time.Now()
			return &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		case 2:
			second = time.Now()
		}
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})
	tr := &transport{base: base, retry: Retry{Attempts: 3, BaseDelay: time.Millisecond}.withDefaults()}
	req, _ := http.NewRequest(http.MethodGet, "http://x/v2/", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || calls.Load() != 3 {
		t.Errorf("status %d after %d calls, want 503 after 3", resp.StatusCode, calls.Load())
	}
	if d := second.Sub(first); d < 900*time.Millisecond {
		t.Errorf("retried after %v, Retry-After said 1s", d)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestLyingRegistry: a registry that serves other bytes than a layer's
// digest, or announces another size, is reported on that artifact
// (REGISTRY-BLOB-MISMATCH, invalid), and the others are unaffected.
func TestLyingRegistry(t *testing.T) {
	host := inProcessRegistry(t)
	p := pusher{t, host}
	kit := fixture(t, "safetensors/model.safetensors")
	p.kitops("lie/tar:v1", map[string][]byte{"model.safetensors": kit})
	big := bigSafetensors(1 << 20)
	p.modelPack("lie/raw:v1", map[string][]byte{"model.safetensors": big})
	p.modelPack("honest/raw:v1", map[string][]byte{"model.safetensors": kit})
	px := newProxy(t, host)
	px.rewrite.Store(func(path string, resp *http.Response) {
		switch {
		case strings.HasPrefix(path, "/v2/lie/tar/blobs/") && resp.ContentLength > 1000:
			b, _ := io.ReadAll(resp.Body)
			b[len(b)-1] ^= 1 // the tar's last byte: digest mismatch
			resp.Body = io.NopCloser(bytes.NewReader(b))
		case strings.HasPrefix(path, "/v2/lie/raw/blobs/") && resp.StatusCode == http.StatusPartialContent:
			cr := resp.Header.Get("Content-Range")
			i := strings.LastIndex(cr, "/")
			resp.Header.Set("Content-Range", cr[:i]+"/999999999") // a size that is not the descriptor's
		}
	})
	s, err := New(oci.Registry{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := collect(t, s, px.host())
	for _, k := range []string{"lie/tar:v1", "lie/raw:v1"} {
		r := got[k]
		found := false
		for _, f := range r.Files {
			for _, fd := range f.Findings {
				found = found || fd.Rule == RuleBlobMismatch
			}
		}
		if r.Verdict < scanners.Invalid || !found {
			t.Errorf("%s: verdict %v, want invalid with %s: %s", k, r.Verdict, RuleBlobMismatch, mustJSON(r))
		}
	}
	if r := got["honest/raw:v1"]; r.Verdict != scanners.Clean {
		t.Errorf("honest/raw: %s", mustJSON(r))
	}
}

// TestReadResultsTorn: a torn last line is left out and the good prefix
// length returned; a malformed line elsewhere is an error naming it.
func TestReadResultsTorn(t *testing.T) {
	good := `{"repository":"r","tag":"t","digest":"sha256:aa","verdict":"clean","signed":false,"bom_attached":false,"bytes_read":1,"bytes_stored":2,"files":[]}` + "\n"
	rs, n, err := ReadResults(strings.NewReader(good + good[:40]))
	if err != nil || len(rs) != 1 || n != int64(len(good)) {
		t.Errorf("torn: %d results, prefix %d, %v", len(rs), n, err)
	}
	_, _, err = ReadResults(strings.NewReader(good + "{oops}\n" + good))
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "offset") {
		t.Errorf("malformed middle line: %v", err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	rs, _, err = ReadResults(bytes.NewReader(b))
	if err != nil || len(rs) == 0 {
		t.Fatalf("testdata/results.jsonl: %d results, %v", len(rs), err)
	}
	if _, s := Summarize(append(rs, rs...)); s.Artifacts != len(rs) {
		t.Errorf("Summarize does not deduplicate: %+v", s)
	}
}

// TestInterruptedRunEmitsNoFalseResults: a run cancelled part way emits
// no result for the artifacts it was scanning (they would be skipped on
// resume), and writes no cache entry for them.
func TestInterruptedRunEmitsNoFalseResults(t *testing.T) {
	host := inProcessRegistry(t)
	p := pusher{t, host}
	for i := range 12 {
		p.modelPack("m/x"+strings.Repeat("y", i)+":v1", map[string][]byte{"model.safetensors": bigSafetensors(int64(1<<20 + i*8))})
	}
	cache := t.TempDir()
	s, err := New(oci.Registry{}, WithJobs(4), WithCache(cache, "k"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var got []Result
	_, err = s.Run(ctx, host, func(r Result) error {
		got = append(got, r)
		if len(got) == 2 {
			cancel()
		}
		return nil
	})
	if err == nil {
		t.Error("a cancelled run returned no error")
	}
	for _, r := range got {
		if r.Error != "" || r.Verdict != scanners.Clean {
			t.Errorf("emitted after cancel: %s", mustJSON(r))
		}
	}
	if len(got) >= 12 {
		t.Errorf("%d results: the run did not stop", len(got))
	}
	// The cache holds only layers that were scanned whole: a second run
	// finds every artifact clean.
	s2, err := New(oci.Registry{}, WithCache(cache, "k"))
	if err != nil {
		t.Fatal(err)
	}
	all, _ := collect(t, s2, host)
	for k, r := range all {
		if r.Verdict != scanners.Clean {
			t.Errorf("%s after an interrupted run: %s", k, mustJSON(r))
		}
	}
}
