package actors

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// Writer carries append requests from actors to the event store. Submit
// and Record never block: a request goes into a bounded queue, a pool of
// workers calls Store.Append (the embedded store gathers concurrent appends
// into one transaction and one fsync), and the result comes back through the
// request's done callback, which actors use to send a message to themselves.
//
// The writer is a queue and a worker pool rather than an actor: an actor
// would add a mailbox hop and still need the pool to keep many appends in
// flight for group commit. A store that can answer through a callback (the
// embedded store, see asyncStore) needs neither: Submit hands the append
// straight to the store, whose writer goroutine calls done after the
// commit, with no goroutine blocked per append in flight and two fewer
// goroutine wake-ups per append.
type Writer struct {
	store   events.Store
	async   asyncStore // the store's callback API, or nil: the worker pool
	jobs    chan appendJob
	wg      sync.WaitGroup
	mu      sync.RWMutex // read-held by Submit, so Close's wg.Wait covers every call made while open
	closed  bool
	backlog *retryBacklog
	log     *slog.Logger
	m       *metrics
	stop    chan struct{}
	timeout time.Duration
	due     dueCalls // the asynchronous appends' deadlines (writer_async.go)
}

// WriterConfig sizes the writer. Zero values mean the defaults.
type WriterConfig struct {
	// Workers is how many appends may be in flight at once (default 256).
	// Unused over a store with AppendAsync, whose own queue bounds the
	// appends in flight (embedded.Config.QueueSize).
	Workers int
	// QueueSize bounds the requests waiting for a worker (default 65536);
	// unused over a store with AppendAsync, like Workers.
	QueueSize int
	// Backlog bounds fire-and-forget events kept for retry while the store
	// fails (default 10000); past it the oldest are dropped and counted.
	Backlog int
	// RetryEvery is how often the backlog is retried (default 1s).
	RetryEvery time.Duration
	// AppendTimeout bounds one append (default 5s). A stalled store then
	// answers `unavailable` instead of leaving clients waiting; an append
	// that timed out may have landed or still land, which the chat settles
	// by reading its stream (chat_observe_unsure.go).
	AppendTimeout time.Duration
}

func (c *WriterConfig) defaults() {
	c.Workers = orDefault(c.Workers, 256)
	c.QueueSize = orDefault(c.QueueSize, 65536)
	c.Backlog = orDefault(c.Backlog, 10000)
	if c.RetryEvery <= 0 {
		c.RetryEvery = time.Second
	}
	if c.AppendTimeout <= 0 {
		c.AppendTimeout = 5 * time.Second
	}
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

type appendJob struct {
	stream   string
	expected events.ExpectedRevision
	events   []events.EventData
	done     func(events.AppendResult, error)
	queued   time.Time
	record   bool // fire-and-forget (Record): a failure goes to the backlog
}

// errWriterClosed is passed to done callbacks of requests made after Close.
var errWriterClosed = errors.New("actors: writer closed")

func newWriter(store events.Store, cfg WriterConfig, log *slog.Logger, m *metrics) *Writer {
	cfg.defaults()
	w := &Writer{store: store, log: log, m: m,
		backlog: newRetryBacklog(cfg.Backlog, cfg.AppendTimeout), stop: make(chan struct{}), timeout: cfg.AppendTimeout}
	w.async, _ = store.(asyncStore)
	queue := cfg.QueueSize
	if w.async != nil {
		queue = 0 // appends go straight to the store: a queue of 65,536 jobs would be 5.6 MB of heap for nothing
	}
	w.jobs = make(chan appendJob, queue)
	if w.async == nil {
		for range cfg.Workers {
			w.wg.Add(1)
			go w.work()
		}
	}
	w.wg.Add(1)
	go w.retryLoop(cfg.RetryEvery)
	return w
}

// Submit queues an append; done is called exactly once with its result,
// from a worker goroutine or, over a store with AppendAsync, from the
// store's writer goroutine (or a timer's), so it must not block: actors send
// themselves a message. It returns false, without calling done, when the
// queue is full or the writer is closed: the caller answers `unavailable`.
func (w *Writer) Submit(stream string, expected events.ExpectedRevision, evs []events.EventData, done func(events.AppendResult, error)) bool {
	return w.submit(appendJob{stream: stream, expected: expected, events: evs, done: done})
}

func (w *Writer) submit(job appendJob) bool {
	w.mu.RLock() // submitters share it (chats on different goroutines); Close waits for them
	defer w.mu.RUnlock()
	if w.closed {
		return false
	}
	job.queued = time.Now()
	if w.async != nil {
		return w.submitAsync(job)
	}
	select {
	case w.jobs <- job:
		w.m.writerQueue.Inc()
		return true
	default:
		w.m.writerRejected.Inc()
		return false
	}
}

// Record appends fire-and-forget events (connection lifecycle, errors). If
// the append fails they wait in a bounded backlog and are retried; once the
// store is back, the outage itself is recorded as an ErrorRecorded.
func (w *Writer) Record(stream string, evs ...events.EventData) {
	evs = withIDs(evs)
	if !w.submit(appendJob{stream: stream, expected: events.Any(), events: evs, done: w.recordDone(stream, evs), record: true}) {
		w.backlog.add(stream, evs, w.m)
	}
}

func (w *Writer) recordDone(stream string, evs []events.EventData) func(events.AppendResult, error) {
	return func(_ events.AppendResult, err error) {
		if err != nil {
			w.log.Warn("append failed, kept for retry", "stream", stream, "err", err)
			w.backlog.add(stream, evs, w.m)
		}
	}
}

func (w *Writer) work() {
	defer w.wg.Done()
	for job := range w.jobs {
		w.m.writerQueue.Dec()
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
		res, err := w.store.Append(ctx, job.stream, job.expected, job.events...)
		cancel()
		w.finished(job, start, res, err)
	}
}

// finished records an append's outcome and hands it to its requester.
func (w *Writer) finished(job appendJob, start time.Time, res events.AppendResult, err error) {
	w.m.appendLatency.Observe(time.Since(start).Seconds())
	w.m.appendBatch.Observe(float64(len(job.events)))
	if err != nil {
		w.m.appendErrors.Inc()
		if !job.record && storeFailed(err) {
			w.backlog.noteAnswered() // part of the outage recorded once the store is back
		}
	}
	job.done(res, err)
}

// storeFailed reports whether err is the store failing (an outage: an I/O
// error, a timeout), not the append being refused for what it is (a
// revision conflict, an invalid or too large event) or the writer closing.
func storeFailed(err error) bool {
	for _, not := range []error{events.ErrWrongExpectedRevision, events.ErrInvalidEvent, events.ErrTooLarge, events.ErrReadOnly, errWriterClosed, context.Canceled} {
		if errors.Is(err, not) {
			return false
		}
	}
	return true
}

// Close stops accepting requests, waits until every queued append has been
// tried (and its done called) and the backlog has had a last try, or ctx
// ends.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.jobs)
		close(w.stop)
	}
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		w.backlog.flush(w.store, w.log, w.m)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Writer) retryLoop(every time.Duration) {
	defer w.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.backlog.flush(w.store, w.log, w.m)
		}
	}
}
