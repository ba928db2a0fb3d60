package ingest

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics counts what the intake accepts and rejects, by endpoint and reason,
// on the registry it is given (never the global one).
type metrics struct {
	items    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthbot_intake_items_total",
			Help: "Items received by the intake API, by endpoint, outcome (accepted or rejected) and reason.",
		}, []string{"endpoint", "outcome", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "healthbot_intake_request_duration_seconds",
			Help:    "Time to answer an intake request, by endpoint and status code.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
		}, []string{"endpoint", "code"}),
	}
	var err error
	if m.items, err = register(reg, m.items); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or reuses the identical collector a second intake
// on the same registry already registered.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

func (m *metrics) accepted(endpoint, reason string, n int) {
	if n > 0 {
		m.items.WithLabelValues(endpoint, "accepted", reason).Add(float64(n))
	}
}

func (m *metrics) rejected(endpoint, reason string, n int) {
	if n > 0 {
		m.items.WithLabelValues(endpoint, "rejected", reason).Add(float64(n))
	}
}

func (m *metrics) observe(endpoint, code string, d time.Duration) {
	m.duration.WithLabelValues(endpoint, code).Observe(d.Seconds())
}
