package embedded

import "time"

// window is the writer's adaptive group-commit window. A commit's cost is
// mostly fixed (BEGIN, the WAL's page writes and its sync, waking the
// subscriptions), so commits carrying more appends cost less CPU per
// append. When the arrival rate promises at least minPromised more
// appends within Config.CommitWindow (the mean gap is at most a
// minPromised-th of it), the writer holds a batch open for up to that
// long, or until it holds Config.CommitWindowAppends appends, before it
// begins the transaction. When they arrive slower, as under light load,
// no batch waits: a lone append never pays the window. Waiting for one
// more append saved at most one commit (about 0.2 ms of CPU) for a wait
// of about 0.9 ms (Go's timers fire late below a millisecond): at 2,000
// appends/s (a 0.5 ms gap, the chats load at 2 msg/s per client) the
// window waited 870 times in 10 s for the same commit count and CPU as
// without it, and a worse delivery p99.
//
// The arrival rate is an exponentially weighted mean of the gaps between
// the appends' queueing instants, as the writer takes them (weight
// 1/gapWeight); one long gap (the store idle) lifts it past the window at
// once. With two appends promised and a weight of 1/8 the mean of random
// (Poisson) arrivals at 2,000 appends/s still dipped to a quarter of the
// window for about one append in 200: the chats run at 2 msg/s per client
// held 100 to 200 batches open in 10 s (0.85 ms each, timers firing late),
// each delaying its appends and those queued behind it, for no commit
// saved. Three promised and a weight of 1/16 keep such a mean from
// waiting below about 4,000 appends/s (none in 200,000 simulated arrivals
// at 2,000/s, 0.007 % at 3,000/s), while at 10,000 appends/s (the chats
// run at 10 msg/s per client) the window stays due (99.8 %).
// A batch waits only if
// besides at least a quarter of the appends (a weighted mean again) were
// queued while a commit ran: callers that each wait for their commit
// before appending again (one caller, or a few in a closed loop) queue
// only after it, so waiting would only delay them, however short their
// gaps; appends arriving on their own (clients' messages) often land
// during a commit.
type window struct {
	max     time.Duration // Config.CommitWindow; <= 0: never wait
	appends int           // Config.CommitWindowAppends
	gap     time.Duration // mean gap between arrivals (EWMA, weight 1/gapWeight)
	last    time.Time     // queueing instant of the last append taken
	ended   time.Time     // end of the last commit, before its callers were answered
	overlap float64       // weighted mean share of appends queued while a commit ran
	timer   *time.Timer
}

// idleGap is the mean gap the window assumes before any append: idle.
const idleGap = time.Second

// gapWeight is the inverse weight of one gap in the mean gap.
const gapWeight = 16

func newWindow(max time.Duration, appends int) *window {
	return &window{max: max, appends: appends, gap: idleGap}
}

// arrived folds one append's queueing instant into the mean gap.
func (wn *window) arrived(queued time.Time) {
	if !wn.last.IsZero() {
		d := max(queued.Sub(wn.last), 0)
		wn.gap += (d - wn.gap) / gapWeight
	}
	wn.last = queued
	during := 0.0
	if queued.Before(wn.ended) {
		during = 1
	}
	wn.overlap += (during - wn.overlap) / 8
}

// committed notes the end of a commit, before its callers are answered.
func (wn *window) committed(at time.Time) { wn.ended = at }

// minOverlap is the share of appends queued during a commit below which
// the window takes the callers for a closed loop and does not wait.
const minOverlap = 0.25

// minPromised is the fewest appends the mean gap must promise within the
// window for a batch to wait for them.
const minPromised = 3

// due says whether a batch of n appends should wait for more: the window
// is on, the batch is below its target, the mean gap promises at least
// minPromised more appends within the window, and enough of them arrive
// while a commit runs (not in answer to it).
func (wn *window) due(n int) bool {
	return wn.max > 0 && n < wn.appends && wn.gap*minPromised <= wn.max && wn.overlap >= minOverlap
}

// start arms the window's timer and returns its channel.
func (wn *window) start() <-chan time.Time {
	if wn.timer == nil {
		wn.timer = time.NewTimer(wn.max)
	} else {
		wn.timer.Reset(wn.max)
	}
	return wn.timer.C
}

// stop disarms the timer (Go 1.23 timers drop a pending tick on Stop).
func (wn *window) stop() { wn.timer.Stop() }

// target is the batch size a wait aims at, from n appends: n plus those
// expected within the window at the mean gap, at most appends.
func (wn *window) target(n int) int {
	more := int((wn.max + wn.gap - 1) / max(wn.gap, 1))
	return min(n+max(more, 1), wn.appends)
}

// linger holds the batch open while the window is due: it adds appends as
// they arrive until the batch holds as many as the arrival rate promises
// within the window (at most CommitWindowAppends, and MaxBatch), the
// window ends, or the queue is closed. Ending at the expected count keeps
// the wait short: Go's timers below a millisecond often fire late on an
// otherwise idle process.
func (w *writer) linger(batch []*appendReq) []*appendReq {
	wn := w.window
	if !wn.due(len(batch)) {
		return batch
	}
	start := time.Now()
	w.waits.Add(1)
	tick := wn.start()
	defer func() {
		wn.stop()
		w.metrics.commitWaits.Inc()
		w.metrics.commitWaitTime.Observe(time.Since(start).Seconds())
	}()
	want := min(wn.target(len(batch)), w.cfg.MaxBatch)
	for len(batch) < want {
		select {
		case req, ok := <-w.queue:
			if !ok {
				return batch
			}
			wn.arrived(req.queued)
			batch = append(batch, req)
		case <-tick:
			return batch
		}
	}
	return batch
}
