package bot

import "github.com/prometheus/client_golang/prometheus"

// routerMetrics are the Slack side's numbers on /metrics: what arrives,
// what fails, what is refused, and how much work is in flight.
type routerMetrics struct {
	handled  *prometheus.CounterVec // by kind and outcome: ok, declined, failed, refused
	refused  prometheus.Counter
	inFlight prometheus.GaugeFunc
}

func newRouterMetrics(reg prometheus.Registerer, runner *Runner) *routerMetrics {
	m := &routerMetrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "healthbot_slack_handled_total",
			Help: "Slack requests handled, by kind (command, action, mention, …) and outcome (ok, declined, failed, refused: not allowed to see account data).",
		}, []string{"kind", "outcome"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "healthbot_slack_refused_total",
			Help: "Slack requests refused because too many handler jobs were in flight.",
		}),
		inFlight: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "healthbot_slack_jobs_in_flight",
			Help: "Slack handler jobs reserved or running.",
		}, func() float64 { return float64(runner.InFlight()) }),
	}
	if reg != nil {
		reg.MustRegister(m.handled, m.refused, m.inFlight)
	}
	return m
}
