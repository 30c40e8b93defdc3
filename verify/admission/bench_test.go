package admission

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkDecision posts a one-container Deployment review over HTTPS on
// loopback, from parallel Go clients, and reports decisions per second with
// p50 and p99 latencies: "warm" answers from the verification cache (policy
// evaluation still runs each time), "cold" resolves and verifies against the
// in-process registry on 127.0.0.1 every time (no cache). "warm-digest"
// names the image by digest, so that no tag is resolved either: the cost of
// the webhook alone. cpu-ms/decision is the CPU time of the whole process
// (client, webhook and registry) per decision, which a busy machine changes
// less than the throughput.
func BenchmarkDecision(b *testing.B) {
	for _, mode := range []string{"warm", "warm-digest", "cold"} {
		b.Run(mode, func(b *testing.B) { benchDecisions(b, mode != "cold", mode == "warm-digest") })
	}
}

func benchDecisions(b *testing.B, warm, byDigest bool) {
	e := newEnv(b)
	d := e.push("models/bench")
	e.sign(d, true, "clean")
	ref := e.host + "/models/bench:v1"
	if byDigest {
		ref = d.String()
	}
	var opts []Option
	if warm {
		opts = append(opts, WithCache(NewCache(1000, time.Hour)))
	}
	srv := serveTLS(b, e.handler(opts...))
	body := review(b, "deployment.json", map[string]string{"IMAGE_A": ref})
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	if !postOK(client, srv.URL, body) {
		b.Fatal("the warm-up review was not allowed")
	}
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if !postOK(client, srv.URL, body) {
				b.Error("a review was not allowed")
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	cpu1, _ := processCPU()
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "decisions/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		if cpuOK {
			b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/float64(len(lat)), "cpu-ms/decision")
		}
	}
}

func postOK(c *http.Client, url string, body []byte) bool {
	resp, err := c.Post(url+"/validate", "application/json", bytes.NewReader(body))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && bytes.Contains(b, []byte(`"allowed":true`))
}
