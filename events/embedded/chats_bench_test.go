package embedded_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkAppendChatsPaced offers the store what `linkup-load chats`
// offers it: one-event appends through AppendAsync (as the chat actors
// make them) to 200 chat streams, arriving at random instants (a Poisson
// process) at 2,000 and 10,000 appends/s, with the store opened as serve
// opens it. b.N appends in all, e.g.
//
//	go test ./events/embedded -run '^$' -bench AppendChatsPaced -benchtime 20000x
//
// It reports the append latency (queued to callback) at p50, p99 and p99.9
// (and at p99 its parts: the wait before BEGIN, the commit, the answer),
// appends per commit and the process's CPU time per append: the store's
// share of a chats run's latency and CPU, without the actors and sockets.
// It also reports the commits' durations (BEGIN to the end of COMMIT) at
// p50, p99, p99.9 and max, and how many took over 4 ms: the stalls every
// append queued behind them waits out.
// LINKUP_BENCH_PREALLOCATE=0 opens the store without PreallocateWAL, to
// measure what the preallocation does; LINKUP_BENCH_WINDOW sets
// CommitWindow (a duration, e.g. -1ns to turn the window off). It also
// reports the batches the window held open (window-waits).
func BenchmarkAppendChatsPaced(b *testing.B) {
	for _, rate := range []int{2000, 10000} {
		b.Run(fmt.Sprint("rate=", rate), func(b *testing.B) { benchChatsPaced(b, rate, fixedEvent) })
	}
}

// BenchmarkAppendChatsActorPath is BenchmarkAppendChatsPaced with each
// append's event made as the chat actors make it: a MessagePosted encoded
// by events.Encode with the request's metadata, under a new UUIDv7 id
// (chat_pipeline.go). Its CPU per append includes that encoding.
func BenchmarkAppendChatsActorPath(b *testing.B) {
	for _, rate := range []int{2000, 10000} {
		b.Run(fmt.Sprint("rate=", rate), func(b *testing.B) { benchChatsPaced(b, rate, actorEvent) })
	}
}

func fixedEvent(int) events.EventData { return benchEvent }

// actorEvent encodes the i-th message as actors.chatEventData does.
func actorEvent(i int) events.EventData {
	chat := fmt.Sprintf("c%d", i%200)
	corr := fmt.Sprintf("req-%d", i)
	d, err := events.Encode(events.MessagePosted{ChatID: chat, Seq: uint64(i/200 + 1), MessageID: uuid.NewString(),
		Sender: "user-1", Body: "hello, this is a chat message of ordinary length", ClientMsgID: corr,
		SentAt: time.Now().UTC()}, events.Metadata{CorrelationID: corr, CausationID: corr, Node: "node-1"})
	if err != nil {
		panic(err)
	}
	d.ID = uuid.Must(uuid.NewV7()).String()
	return d
}

func benchChatsPaced(b *testing.B, rate int, event func(int) events.EventData) {
	reg := prometheus.NewRegistry()
	prealloc := os.Getenv("LINKUP_BENCH_PREALLOCATE") != "0"
	var window time.Duration
	if v := os.Getenv("LINKUP_BENCH_WINDOW"); v != "" {
		var err error
		if window, err = time.ParseDuration(v); err != nil {
			b.Fatal(err)
		}
	}
	st, err := embedded.Open(embedded.Config{Dir: b.TempDir(), Metrics: reg, PreallocateWAL: prealloc, CommitWindow: window})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	recs := make([]pacedAppend, 0, b.N)
	var wg sync.WaitGroup
	wg.Add(b.N)
	done := func(t0 time.Time) func(events.AppendResult, error) {
		return func(res events.AppendResult, err error) {
			if err != nil {
				b.Error(err)
			}
			now := time.Now()
			mu.Lock()
			recs = append(recs, pacedAppend{queued: t0, answered: now, pos: res.Position})
			mu.Unlock()
			wg.Done()
		}
	}
	commits := embedded.RecordCommits(st)
	rng := rand.New(rand.NewPCG(1, 2))
	mean := float64(time.Second) / float64(rate)
	b.ResetTimer()
	cpu0 := cpuTime(b)
	next := time.Now()
	for i := range b.N {
		next = next.Add(time.Duration(rng.ExpFloat64() * mean))
		if d := time.Until(next); d > 0 { // pacing at the offered rate, not a poll
			time.Sleep(d)
		}
		err := st.AppendAsync(fmt.Sprintf("chat-%d", i%200), events.Any(), []events.EventData{event(i)}, done(time.Now()))
		if err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	cpu := cpuTime(b) - cpu0
	b.StopTimer()
	cs := slices.DeleteFunc(commits(), func(c embedded.Commit) bool { return c.Idle })
	reportPacedLatency(b, recs, cs)
	reportGaps(b, recs, cs)
	b.ReportMetric(meanBatch(b, reg), "appends/batch")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/append")
	reportCommits(b, commits())
	reportWriterCheckpoints(b, reg)
	b.ReportMetric(float64(len(cs)), "commits")
	b.ReportMetric(float64(embedded.CommitWaits(st)), "window-waits")
}

// reportWriterCheckpoints reports the checkpoints the writer ran itself,
// between two batches (appends wait meanwhile), and their total time.
func reportWriterCheckpoints(b *testing.B, reg *prometheus.Registry) {
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	var n, secs float64
	for _, mf := range mfs {
		if !strings.HasSuffix(mf.GetName(), "checkpoint_seconds") {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "by" && strings.HasPrefix(l.GetValue(), "writer") {
					n += float64(m.GetHistogram().GetSampleCount())
					secs += m.GetHistogram().GetSampleSum()
				}
			}
		}
	}
	b.ReportMetric(n, "writer-ckpts")
	b.ReportMetric(secs*1000, "writer-ckpt-ms")
}

// reportCommits reports the distribution of the appends' commits'
// durations, and of those that did stream index work (idx-), and counts
// the index move's steps between appends (idle-steps).
func reportCommits(b *testing.B, cs []embedded.Commit) {
	var all, idx []time.Duration
	idle := 0
	for _, c := range cs {
		if c.Idle { // a step of the index move between appends, carrying none
			idle++
			continue
		}
		all = append(all, c.Duration)
		if c.IndexWork > 0 {
			idx = append(idx, c.Duration)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if len(all) > 0 {
		slices.Sort(all)
		b.ReportMetric(ms(all[len(all)/2]), "commit-p50-ms")
		b.ReportMetric(ms(all[len(all)*99/100]), "commit-p99-ms")
		b.ReportMetric(ms(all[len(all)*999/1000]), "commit-p999-ms")
		b.ReportMetric(ms(all[len(all)-1]), "commit-max-ms")
		i, _ := slices.BinarySearch(all, 4*time.Millisecond)
		b.ReportMetric(float64(len(all)-i), "commits>4ms")
	}
	if len(idx) > 0 {
		slices.Sort(idx)
		b.ReportMetric(ms(idx[len(idx)/2]), "idx-commit-p50-ms")
		b.ReportMetric(ms(idx[len(idx)-1]), "idx-commit-max-ms")
		b.ReportMetric(float64(len(idx)), "idx-commits")
	}
	b.ReportMetric(float64(idle), "idle-steps")
}

// pacedAppend is one append of a paced benchmark: when it was queued,
// when its callback ran, and its position.
type pacedAppend struct {
	queued, answered time.Time
	pos              uint64
}

// reportPacedLatency reports the appends' latency (queued to callback)
// at p50, p99 and p99.9, and splits it at p99 into its parts, by the
// commit that carried each append: the wait before that commit's BEGIN
// (the commit in flight, the writer's work after it, its wake-up, the
// window), the commit itself, and the time from the end of COMMIT to the
// callback (the feed, the answers before it).
func reportPacedLatency(b *testing.B, recs []pacedAppend, cs []embedded.Commit) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	pct := func(ds []time.Duration, q float64) float64 {
		slices.Sort(ds)
		return ms(ds[min(int(float64(len(ds))*q), len(ds)-1)])
	}
	var total, wait, commit, after []time.Duration
	for _, r := range recs {
		total = append(total, r.answered.Sub(r.queued))
		i, _ := slices.BinarySearchFunc(cs, r.pos, func(c embedded.Commit, pos uint64) int { return cmp.Compare(c.Last, pos) })
		if i == len(cs) {
			continue // committed before the recording began
		}
		c := cs[i]
		wait = append(wait, c.Start.Sub(r.queued))
		commit = append(commit, c.Duration)
		after = append(after, r.answered.Sub(c.Start.Add(c.Duration)))
	}
	b.ReportMetric(pct(total, 0.5), "p50-ms")
	b.ReportMetric(pct(total, 0.99), "p99-ms")
	b.ReportMetric(pct(total, 0.999), "p999-ms")
	if len(wait) > 0 {
		b.ReportMetric(pct(wait, 0.5), "wait-p50-ms")
		b.ReportMetric(pct(wait, 0.99), "wait-p99-ms")
		b.ReportMetric(pct(commit, 0.99), "own-commit-p99-ms")
		b.ReportMetric(pct(after, 0.99), "after-p99-ms")
	}
}

// reportGaps reports the writer's time between two commits when an
// append of the second was queued before the first ended (busygap: its
// work after a commit, the window, a checkpoint of its own), and the time
// from the first append's queueing to BEGIN when the writer was idle
// (wake: its wake-up and the window).
func reportGaps(b *testing.B, recs []pacedAppend, cs []embedded.Commit) {
	firstQ := map[int]time.Time{}
	for _, r := range recs {
		i, _ := slices.BinarySearchFunc(cs, r.pos, func(c embedded.Commit, pos uint64) int { return cmp.Compare(c.Last, pos) })
		if i == len(cs) {
			continue
		}
		if q, ok := firstQ[i]; !ok || r.queued.Before(q) {
			firstQ[i] = r.queued
		}
	}
	var busy, idle []time.Duration
	for i := 1; i < len(cs); i++ {
		end := cs[i-1].Start.Add(cs[i-1].Duration)
		q, ok := firstQ[i]
		if !ok {
			continue
		}
		if q.Before(end) {
			busy = append(busy, cs[i].Start.Sub(end))
		} else {
			idle = append(idle, cs[i].Start.Sub(q))
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	pct := func(ds []time.Duration, q float64) float64 {
		if len(ds) == 0 {
			return -1
		}
		slices.Sort(ds)
		return ms(ds[min(int(float64(len(ds))*q), len(ds)-1)])
	}
	b.ReportMetric(float64(len(busy)), "n-busy")
	b.ReportMetric(pct(busy, 0.5), "busygap-p50-ms")
	b.ReportMetric(pct(busy, 0.99), "busygap-p99-ms")
	b.ReportMetric(pct(idle, 0.5), "wake-p50-ms")
	b.ReportMetric(pct(idle, 0.99), "wake-p99-ms")
}
