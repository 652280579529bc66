package actors

import "github.com/prometheus/client_golang/prometheus"

// metrics are the actors' Prometheus collectors.
type metrics struct {
	connections    prometheus.Gauge
	framesIn       prometheus.Counter
	framesOut      prometheus.Counter
	errors         *prometheus.CounterVec
	slowConsumers  prometheus.Counter
	droppedLive    prometheus.Counter
	forceReconnect *prometheus.CounterVec
	chats          prometheus.Gauge
	chatPending    prometheus.Histogram
	// chatFlightsFull counts chats that had commands waiting with
	// maxChatFlights appends in flight; chatFlightsBroken, failed appends
	// with batches in flight behind them (chat_flights.go).
	chatFlightsFull   prometheus.Counter
	chatFlightsBroken prometheus.Counter
	writerQueue       prometheus.Gauge
	writerRejected    prometheus.Counter
	appendLatency     prometheus.Histogram
	appendBatch       prometheus.Histogram
	appendErrors      prometheus.Counter
	backlog           prometheus.Gauge
	backlogDropped    prometheus.Counter
	mailbox           *prometheus.GaugeVec
	panics            *prometheus.CounterVec
	timeouts          prometheus.Counter
	pages             *prometheus.CounterVec
	pagesFrom         struct{ ring, cache, store, shared, reread prometheus.Counter }
	loadQueue         prometheus.Gauge
	loadRejected      prometheus.Counter
	backlogDrops      prometheus.Counter
	pagesCached       prometheus.Gauge
	chatsIdled        prometheus.Counter
	errorsSuppressed  prometheus.Counter
	repeatsSkipped    prometheus.Counter
	ownForgotten      prometheus.Counter
	limitRefusals     *prometheus.CounterVec
	syncProbes        *prometheus.CounterVec
	timeline          timelineMetrics // v1.1 (metrics_timeline.go)
	runsStarted       prometheus.Counter
	laneWaits         prometheus.Counter
	runsReused        prometheus.Counter
	runnersIdle       prometheus.GaugeFunc
	idleRunners       func() int // set by newRunners
	runsBorrowed      prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections:       gauge("linkup_connections", "Open WebSocket connections."),
		framesIn:          counter("linkup_frames_in_total", "Client frames handled."),
		framesOut:         counter("linkup_frames_out_total", "Frames queued to clients."),
		errors:            prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_errors_total", Help: "Error frames sent to clients, by code."}, []string{"code"}),
		slowConsumers:     counter("linkup_outbound_queue_drops_total", "Connections closed because their outbound queue was full (slow consumers)."),
		droppedLive:       counter("linkup_live_frames_skipped_total", "Live message frames not sent because the connection was behind a truncated sync."),
		forceReconnect:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_force_reconnect_total", Help: "force_reconnect frames sent, by reason."}, []string{"reason"}),
		chats:             gauge("linkup_chat_actors", "Chat actors alive."),
		chatPending:       prometheus.NewHistogram(prometheus.HistogramOpts{Name: "linkup_chat_batch_size", Help: "Commands per chat append batch.", Buckets: prometheus.ExponentialBuckets(1, 2, 12)}),
		chatFlightsFull:   counter("linkup_chat_flights_full_total", "Times a chat had commands waiting with its bound of appends in flight (maxChatFlights)."),
		chatFlightsBroken: counter("linkup_chat_flights_broken_total", "Failed chat appends with later appends of the chat in flight behind them (decided again or settled from the log)."),
		writerQueue:       gauge("linkup_writer_queue", "Append requests waiting for a writer worker."),
		writerRejected:    counter("linkup_writer_rejected_total", "Append requests refused because the writer queue was full."),
		appendLatency:     prometheus.NewHistogram(prometheus.HistogramOpts{Name: "linkup_append_latency_seconds", Help: "Event store append latency.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		appendBatch:       prometheus.NewHistogram(prometheus.HistogramOpts{Name: "linkup_append_batch_events", Help: "Events per append call.", Buckets: prometheus.ExponentialBuckets(1, 2, 12)}),
		appendErrors:      counter("linkup_append_errors_total", "Failed appends."),
		backlog:           gauge("linkup_writer_backlog", "Fire-and-forget events waiting for retry."),
		backlogDropped:    counter("linkup_writer_backlog_dropped_total", "Fire-and-forget events dropped because the retry backlog was full."),
		mailbox:           prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "linkup_actor_mailbox_messages", Help: "Messages waiting in actor mailboxes, by actor kind."}, []string{"kind"}),
		panics:            prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_actor_panics_total", Help: "Handler panics caught by supervision, by actor kind."}, []string{"kind"}),
		timeouts:          counter("linkup_request_timeouts_total", "Client requests answered `unavailable` because a chat did not answer in time."),
		syncProbes:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_sync_probes_total", Help: "Chats named in a sync_request that the node's directory did not list for the user, by what their chat answered (member, not_member, failed, timed_out) or not_asked (past the 16 asked per sync)."}, []string{"result"}),
		pages:             prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_history_pages_total", Help: "Pages of old messages served to history, sync and duplicate acks, by source: ring, cache, store (read), shared (joined a read in flight), reread (a joined read came back short)."}, []string{"source"}),
		loadQueue:         gauge("linkup_load_queue", "Store reads (chat loads, history pages) waiting for a slot of the load pool."),
		chatsIdled:        counter("linkup_chat_actors_idled_total", "Chat actors stopped after ChatIdleAfter with no subscriber and nothing in flight (loaded again on demand)."),
		pagesCached:       gauge("linkup_history_pages_cached", "Pages of old messages kept by all chats of the node (at most 4,096)."),
		backlogDrops:      counter("linkup_delivery_backlog_drops_total", "Connections told to reconnect (slow_consumer) because more fan-out items than the limit waited in their mailbox."),
		limitRefusals:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_chat_limit_refusals_total", Help: "create_chat refused by a chat limit: chat_create_rate (rate_limited) or chats_per_user (invalid_payload)."}, []string{"limit"}),
		repeatsSkipped:    counter("linkup_repeats_skipped_total", "Timeline items not sent to a connection because it had already received their seq (live and sync overlapping)."),
		ownForgotten:      counter("linkup_own_seqs_forgotten_total", "Seqs of a connection's own commands, acked before their chat delivered their items to it, forgotten past the per-chat bound of 256 (their item may reach the sender as a frame)."),
		errorsSuppressed:  counter("linkup_error_events_suppressed_total", "Error events not recorded because their connection had recorded 10 in the same second (counted in one errors_suppressed event per second)."),
		loadRejected:      counter("linkup_load_rejected_total", "Store reads refused because the load pool's queue was full (answered `unavailable`)."),
		laneWaits:         counter("linkup_fanout_lane_waits_total", "Times a chat waited because its fan-out lane held 128 items not yet taken (fanout_lane.go laneMaxPending)."),
		runsStarted:       counter("linkup_mailbox_runners_started_total", "Goroutines started to run a chat's mailbox because no runner was parked (runners.go)."),
		runsReused:        counter("linkup_mailbox_runs_reused_total", "Chat mailbox runs handed to a parked runner instead of a new goroutine."),
		runsBorrowed:      counter("linkup_mailbox_runs_borrowed_total", "Chat mailbox runs made by the socket reader that posted to the idle mailbox, after its frame, instead of a runner woken for them (runners.go, internal/gopool/lend)."),
	}
	m.runnersIdle = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "linkup_mailbox_runners_idle", Help: "Runners parked waiting for a chat mailbox run (at most 256; each exits after 1 s unused)."}, func() float64 {
		if m.idleRunners == nil {
			return 0
		}
		return float64(m.idleRunners())
	})
	m.timeline = newTimelineMetrics()
	p := m.pages.WithLabelValues
	m.pagesFrom.ring, m.pagesFrom.cache, m.pagesFrom.store, m.pagesFrom.shared, m.pagesFrom.reread = p("ring"), p("cache"), p("store"), p("shared"), p("reread")
	if reg != nil {
		for _, c := range m.collectors() {
			reg.MustRegister(c)
		}
	}
	return m
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.connections, m.framesIn, m.framesOut, m.errors, m.slowConsumers, m.droppedLive,
		m.forceReconnect, m.chats, m.chatPending, m.chatFlightsFull, m.chatFlightsBroken, m.writerQueue, m.writerRejected, m.appendLatency, m.appendBatch,
		m.appendErrors, m.backlog, m.backlogDropped, m.mailbox, m.panics, m.timeouts, m.pages, m.loadQueue, m.loadRejected, m.backlogDrops, m.pagesCached, m.chatsIdled, m.errorsSuppressed, m.repeatsSkipped, m.ownForgotten, m.limitRefusals, m.syncProbes,
		m.runsStarted, m.runsReused, m.runsBorrowed, m.runnersIdle, m.laneWaits,
		m.timeline.items, m.timeline.receipts, m.timeline.presenceSent, m.timeline.presenceTruncated, m.timeline.presenceDropped}
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

// mailboxStats is a Proto.Actor mailbox middleware that keeps the mailbox
// gauge of one actor kind.
type mailboxStats struct{ g prometheus.Gauge }

func (s mailboxStats) MailboxStarted()     {}
func (s mailboxStats) MessagePosted(any)   { s.g.Inc() }
func (s mailboxStats) MessageReceived(any) { s.g.Dec() }
func (s mailboxStats) MailboxEmpty()       {}
