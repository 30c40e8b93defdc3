package admission

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the webhook's Prometheus metrics.
type Metrics struct {
	decisions      *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	cacheHits      prometheus.Counter
	cacheMisses    prometheus.Counter
	registryErrors prometheus.Counter
	policyErrors   prometheus.Counter
}

// NewMetrics registers the metrics on r.
func NewMetrics(r prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aibom_webhook_decisions_total", Help: "Admission decisions, by decision (allow, deny) and kind.",
		}, []string{"decision", "kind"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "aibom_webhook_decision_duration_seconds", Help: "Time to answer one AdmissionReview.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"decision"}),
		cacheHits:      prometheus.NewCounter(prometheus.CounterOpts{Name: "aibom_webhook_cache_hits_total", Help: "Verification results served from the cache."}),
		cacheMisses:    prometheus.NewCounter(prometheus.CounterOpts{Name: "aibom_webhook_cache_misses_total", Help: "Verifications run against a registry."}),
		registryErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "aibom_webhook_registry_errors_total", Help: "Images denied because a registry could not be read."}),
		policyErrors:   prometheus.NewCounter(prometheus.CounterOpts{Name: "aibom_webhook_policy_errors_total", Help: "Images denied because a policy failed to evaluate."}),
	}
	for _, c := range []prometheus.Collector{m.decisions, m.latency, m.cacheHits, m.cacheMisses, m.registryErrors, m.policyErrors} {
		if err := r.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) decision(allowed bool, kind string, seconds float64) {
	if m == nil {
		return
	}
	d := "deny"
	if allowed {
		d = "allow"
	}
	m.decisions.WithLabelValues(d, kind).Inc()
	m.latency.WithLabelValues(d).Observe(seconds)
}

func (m *Metrics) cache(hit bool) {
	if m == nil {
		return
	}
	if hit {
		m.cacheHits.Inc()
	} else {
		m.cacheMisses.Inc()
	}
}

func (m *Metrics) registryError() {
	if m != nil {
		m.registryErrors.Inc()
	}
}

func (m *Metrics) policyError() {
	if m != nil {
		m.policyErrors.Inc()
	}
}
