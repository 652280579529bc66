package embedded

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the store's collectors, registered on Config.Metrics.
type metrics struct {
	batchSize  prometheus.Histogram
	latency    prometheus.Histogram
	queueDepth prometheus.GaugeFunc
	overloads  prometheus.Counter
	appended   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, depth func() float64) (*metrics, error) {
	const ns, sub = "linkup", "embedded_store"
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
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.batchSize, m.latency, m.queueDepth, m.overloads, m.appended} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("embedded: register metrics: %w", err)
		}
	}
	return m, nil
}
