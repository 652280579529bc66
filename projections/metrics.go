package projections

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the runner's Prometheus series, labelled by projection.
type metrics struct {
	checkpoint *prometheus.GaugeVec
	head       prometheus.Gauge
	lagEvents  *prometheus.GaugeVec
	lagSeconds *prometheus.GaugeVec
	eventLag   *prometheus.HistogramVec
	applied    *prometheus.CounterVec
	poisoned   *prometheus.CounterVec
	failures   *prometheus.CounterVec
	batchSize  *prometheus.HistogramVec
	queueDepth *prometheus.GaugeVec
	queueCap   prometheus.Gauge
	overBound  *prometheus.CounterVec
	boundEv    prometheus.Gauge
	boundSec   prometheus.Gauge
}

func newMetrics(cfg Config) (*metrics, error) {
	l := []string{"projection"}
	m := &metrics{
		checkpoint: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "linkup_projection_checkpoint", Help: "Global position the projection has committed."}, l),
		head:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "linkup_projection_head", Help: "Global position of the last event in the store, as last sampled."}),
		lagEvents:  prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "linkup_projection_lag_events", Help: "Head minus checkpoint."}, l),
		lagSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "linkup_projection_lag_seconds", Help: "Age of the oldest event not yet projected (0 when caught up)."}, l),
		eventLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "linkup_projection_event_lag_seconds", Help: "Time from an event's append to the commit of its projection (live events only).",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5}}, l),
		applied:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_projection_events_total", Help: "Events committed by the projection (all types)."}, l),
		poisoned:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_projection_poison_events_total", Help: "Events the projection could not apply, recorded and skipped."}, l),
		failures:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_projection_failures_total", Help: "Failed batches or subscriptions, retried from the checkpoint."}, l),
		batchSize:  prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "linkup_projection_batch_events", Help: "Events per projection transaction (capped at the batch size).", Buckets: prometheus.ExponentialBuckets(1, 4, 7)}, l),
		queueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "linkup_projection_queue_depth", Help: "Deliveries waiting between the subscription and the projection; when full the subscription waits."}, l),
		queueCap:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "linkup_projection_queue_capacity", Help: "Bound of each projection's delivery queue."}),
		overBound:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_projection_over_bound_batches_total", Help: "Full batches committed without pacing because the projection was past a lag bound."}, l),
		boundEv:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "linkup_projection_lag_bound_events", Help: "Lag in events past which a projection stops pacing its transactions."}),
		boundSec:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "linkup_projection_lag_bound_seconds", Help: "Lag in seconds past which a projection stops pacing its transactions."}),
	}
	m.queueCap.Set(float64(cfg.QueueSize))
	m.boundEv.Set(float64(cfg.MaxLagEvents))
	m.boundSec.Set(cfg.MaxLag.Seconds())
	reg := cfg.Registerer
	if reg == nil {
		return m, nil
	}
	if cs, ok := cfg.ReadModel.(cacheStater); ok {
		if err := reg.Register(cacheCollector{cs}); err != nil {
			return nil, fmt.Errorf("projections: register metrics: %w", err)
		}
	}
	for _, c := range []prometheus.Collector{m.checkpoint, m.head, m.lagEvents, m.lagSeconds, m.eventLag,
		m.applied, m.poisoned, m.failures, m.batchSize, m.queueDepth, m.queueCap, m.overBound, m.boundEv, m.boundSec} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("projections: register metrics: %w", err)
		}
	}
	return m, nil
}

// cacheStater is a read model with row caches (SQLite).
type cacheStater interface{ CacheStats() []CacheStat }

var (
	cacheRowsDesc = prometheus.NewDesc("linkup_projection_cache_rows",
		"Rows the read model's row cache keeps across transactions for the projection (bounded by the read model's CacheRows).", []string{"projection"}, nil)
	cacheResetsDesc = prometheus.NewDesc("linkup_projection_cache_resets_total",
		"Times the projection's row cache was emptied: past its bound, or after another process or a rebuild changed the tables.", []string{"projection"}, nil)
)

// cacheCollector reports the row caches as they are when scraped.
type cacheCollector struct{ rm cacheStater }

func (c cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cacheRowsDesc
	ch <- cacheResetsDesc
}

func (c cacheCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.rm.CacheStats() {
		ch <- prometheus.MustNewConstMetric(cacheRowsDesc, prometheus.GaugeValue, float64(st.Rows), st.Projection)
		ch <- prometheus.MustNewConstMetric(cacheResetsDesc, prometheus.CounterValue, float64(st.Resets), st.Projection)
	}
}
