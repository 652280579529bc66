package esdb

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the store's collectors, registered on Config.Metrics.
type metrics struct {
	overloads   prometheus.Counter
	inflight    prometheus.GaugeFunc
	latency     prometheus.Histogram
	appended    prometheus.Counter
	drops       prometheus.Counter
	revivals    prometheus.Counter
	subscribers prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, inflight func() float64) (*metrics, error) {
	const ns, sub = "linkup", "esdb_store"
	m := &metrics{
		overloads: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "append_overloaded_total", Help: "Appends refused with ErrOverloaded (MaxInflightAppends reached)."}),
		inflight: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "appends_inflight", Help: "Appends sent and not yet answered by the server."}, inflight),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "append_latency_seconds", Help: "Time of one successful append round trip.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		appended: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "events_appended_total", Help: "Events acknowledged by the server."}),
		drops: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "subscription_drops_total", Help: "Subscriptions or catch-up reads that failed and were re-opened."}),
		revivals: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "client_revivals_total", Help: "gRPC clients replaced after their connection gave up."}),
		subscribers: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "subscriptions_active", Help: "Subscribe iterators running."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.overloads, m.inflight, m.latency, m.appended, m.drops, m.revivals, m.subscribers} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("esdb: register metrics: %w", err)
		}
	}
	return m, nil
}
