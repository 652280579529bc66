package postgres

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the store's collectors, registered on Config.Metrics. The
// first five mean what the embedded store's do.
type metrics struct {
	batchSize   prometheus.Histogram
	latency     prometheus.Histogram
	queueDepth  prometheus.GaugeFunc
	overloads   prometheus.Counter
	appended    prometheus.Counter
	failures    prometheus.Counter
	listenDrops prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, depth func() float64) (*metrics, error) {
	const ns, sub = "linkup", "postgres_store"
	m := &metrics{
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "append_batch_size", Help: "Appends committed per transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11)}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "append_latency_seconds", Help: "Time from Append being queued to its commit.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		queueDepth: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "append_queue_depth", Help: "Appends waiting for the writer."}, depth),
		overloads: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "append_overloaded_total", Help: "Appends refused with ErrOverloaded (queue full)."}),
		appended: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "events_appended_total", Help: "Events committed."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "batch_failures_total", Help: "Batch transactions that failed (database unreachable, dropped connection, timeout)."}),
		listenDrops: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "listen_reconnects_total", Help: "Times the LISTEN connection was lost and opened again."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.batchSize, m.latency, m.queueDepth, m.overloads, m.appended, m.failures, m.listenDrops} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("postgres: register metrics: %w", err)
		}
	}
	return m, nil
}
