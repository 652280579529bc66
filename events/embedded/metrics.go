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
	commitTime prometheus.Histogram

	commitWaits    prometheus.Counter
	commitWaitTime prometheus.Histogram

	checkpointTime     *prometheus.HistogramVec
	checkpoints        *prometheus.CounterVec
	checkpointFailures prometheus.Counter
	walPages           prometheus.GaugeFunc

	indexWork     prometheus.Histogram
	indexOverruns prometheus.Counter
	indexIdle     prometheus.Counter
	tailRows      prometheus.GaugeFunc

	liveEvents  prometheus.Counter
	storeEvents prometheus.Counter
	fallbacks   prometheus.Counter
	feedEvents  prometheus.GaugeFunc
	feedBytes   prometheus.GaugeFunc
}

func newMetrics(reg prometheus.Registerer, depth, walPages, tailRows func() float64, fd *feed) (*metrics, error) {
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
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "commit_seconds", Help: "Time of one append transaction, BEGIN to the end of COMMIT (its WAL sync included).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)}),
		commitWaits: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "commit_waits_total", Help: "Batches the writer held open for more appends before its transaction (the group-commit window: appends arriving at least one per CommitWindow)."}),
		commitWaitTime: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "commit_wait_seconds", Help: "Time the writer held one batch open for more appends (bounded by CommitWindow, at most 10 ms).",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 12)}),
		checkpointTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "checkpoint_seconds", Help: "Time of one WAL checkpoint (copying WAL pages into the database file and syncing it), by who ran it (see checkpoints_total).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18)}, []string{"by"}),
		checkpoints: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "checkpoints_total", Help: "WAL checkpoints, by who ran them: checkpointer (its goroutine, off the append path), checkpointer_tail (its short runs after one, copying the pages committed during the run before), writer_tail (the writer, between batches: the pages committed during the checkpointer's runs, when its short runs could not catch up; once its queue is empty, or the WAL holds twice CheckpointPages) or writer_bound (the writer: the WAL had reached MaxWALPages)."},
			[]string{"by"}),
		checkpointFailures: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "checkpoint_failures_total", Help: "WAL checkpoints that failed (the WAL keeps its pages; the next one retries)."}),
		walPages: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "wal_pages", Help: "Pages written to the WAL since its last complete checkpoint (bounded by MaxWALPages)."}, walPages),
		indexWork: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "index_move_entries", Help: "Index entries one commit copied into stream_index or type_index, in commits doing part of a move (bounded by 256 or 4 per event committed, unless index_move_overruns_total counts it).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 15)}),
		indexOverruns: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "index_move_overruns_total", Help: "Commits that finished an index move at once, whatever its size, because more than 8,192 events were past the indexes' watermark."}),
		indexIdle: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "index_move_idle_steps_total", Help: "Steps of an index move done in a transaction of their own while no append was queued (committed without a sync: they carry no event); the rest of a move's steps ride on the appends' commits."}),
		tailRows: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "stream_tail_entries", Help: "Events past the indexes' watermark, not yet in stream_index and type_index (bounded by 8,192 plus one commit's events; the name is from when a stream_tail table held them)."}, tailRows),
		liveEvents: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "subscription_live_events_total", Help: "Events handed to subscriptions from the in-memory feed of recent commits."}),
		storeEvents: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "subscription_store_events_total", Help: "Events handed to subscriptions after reading them from SQLite (catching up)."}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "subscription_fallbacks_total", Help: "Times a caught-up subscription fell behind the feed and read the store instead."}),
		feedEvents: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "live_feed_events", Help: "Recent events held in memory for subscriptions (bounded by LiveEvents)."}, feedHeld(fd, false)),
		feedBytes: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "live_feed_bytes", Help: "Data bytes of the events held in memory for subscriptions (bounded by LiveBytes)."}, feedHeld(fd, true)),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.batchSize, m.latency, m.queueDepth, m.overloads, m.appended, m.commitTime,
		m.commitWaits, m.commitWaitTime,
		m.checkpointTime, m.checkpoints, m.checkpointFailures, m.walPages,
		m.indexWork, m.indexOverruns, m.indexIdle, m.tailRows,
		m.liveEvents, m.storeEvents, m.fallbacks, m.feedEvents, m.feedBytes} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("embedded: register metrics: %w", err)
		}
	}
	return m, nil
}

// feedHeld reads the feed's size in events (or bytes); 0 without a feed.
func feedHeld(fd *feed, bytes bool) func() float64 {
	return func() float64 {
		if fd == nil {
			return 0
		}
		n, b := fd.held()
		if bytes {
			return float64(b)
		}
		return float64(n)
	}
}
