package projections

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/prometheus/client_golang/prometheus"
)

// benchLog appends n events in appends of 100 to one stream each: 20%
// errors, 70% messages in 100 chats, 10% reads.
func benchLog(b *testing.B, st events.Store, n int) {
	ctx := context.Background()
	for c := range 100 {
		appendEv(b, st, events.ChatStream(fmt.Sprint("c", c)), events.ChatCreated{ChatID: fmt.Sprint("c", c), Members: []string{"u1", "u2", "u3"}, CreatedBy: "u1", At: t0})
	}
	seq := make([]uint64, 100)
	for i := 0; i < n; i += 100 {
		c := (i / 100) % 100
		var data []events.EventData
		stream := events.ChatStream(fmt.Sprint("c", c))
		for j := range 100 {
			switch k := i + j; {
			case k%10 < 2:
				data = append(data, events.MustEncode(events.ErrorRecorded{ErrorType: fmt.Sprint("t", k%20), Severity: "low",
					User: fmt.Sprint("u", k%1000), ConnectionID: "k", Context: map[string]any{"i": k}, At: t0.Add(time.Duration(k) * time.Second)}))
			case k%10 < 9:
				seq[c]++
				data = append(data, events.MustEncode(events.MessagePosted{ChatID: fmt.Sprint("c", c), Seq: seq[c], Sender: "u1", Body: "hello", SentAt: t0}))
			default:
				data = append(data, events.MustEncode(events.ChatRead{ChatID: fmt.Sprint("c", c), User: "u2", LastReadSeq: seq[c], At: t0}))
			}
		}
		if _, err := st.Append(ctx, stream, events.Any(), data...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRebuild rebuilds each projection, then all, over a
// 200,000-event log and reports log events per second of rebuild, per read
// model.
func BenchmarkRebuild(b *testing.B) {
	st := openStore(b, b.TempDir())
	const n = 200_000
	benchLog(b, st, n)
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			rm := be.openNew(b)
			for _, c := range []struct {
				name string
				ps   []Projection
			}{{NameErrors, []Projection{ErrorLog{}}}, {NameReadStates, []Projection{ReadStates{}}}, {NameDeliveries, []Projection{Deliveries{}}}, {"all", Default()}} {
				b.Run(c.name, func(b *testing.B) { benchRebuild(b, st, rm, c.ps, n) })
			}
		})
	}
}

func benchRebuild(b *testing.B, st events.Store, rm ReadModel, ps []Projection, n int) {
	var total time.Duration
	for range b.N {
		start := time.Now()
		for _, p := range ps {
			if _, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: p}); err != nil {
				b.Fatal(err)
			}
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "events/s")
}

// BenchmarkErrorsQuery runs filtered error-log queries (type and user; type
// and time range; severity with a cursor) over a table of benchErrorRows
// rows, per read model, and reports p50/p99.
func BenchmarkErrorsQuery(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) { benchErrorsQuery(b, filledErrors(b, be)) })
	}
}

func benchErrorsQuery(b *testing.B, rm ReadModel) {
	queries := []protocol.ErrorQuery{
		{ErrorType: "t7", User: "u123", Limit: 100},
		{ErrorType: "t3", Since: t0.Add(100 * time.Hour), Until: t0.Add(101 * time.Hour), Limit: 100},
		{Severity: "high", Limit: 100, Cursor: benchErrorRows / 2},
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := rm.Errors(context.Background(), queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

const benchErrorRows = 1_000_000

// benchTables are the filled read models, made once per process and
// backend (filling takes minutes, and a benchmark function runs once per
// b.N tried); TestMain removes them.
var benchTables struct {
	mu       sync.Mutex
	rms      map[string]ReadModel
	cleanups []func()
}

func filledErrors(b *testing.B, be backend) ReadModel {
	benchTables.mu.Lock()
	defer benchTables.mu.Unlock()
	if rm, ok := benchTables.rms[be.name]; ok {
		return rm
	}
	loc, drop, err := benchLocation(b, be)
	if err != nil {
		b.Fatal(err)
	}
	rm, err := be.open(context.Background(), loc, false)
	if err != nil {
		drop()
		b.Fatal(err)
	}
	benchTables.cleanups = append(benchTables.cleanups, func() { rm.Close(); drop() })
	if benchTables.rms == nil {
		benchTables.rms = map[string]ReadModel{}
	}
	benchTables.rms[be.name] = rm
	fillErrors(b, rm, benchErrorRows)
	return rm
}

// benchLocation makes a read-model location that outlives one benchmark
// function, and its removal.
func benchLocation(b *testing.B, be backend) (string, func(), error) {
	if be.name == postgresBackend.name {
		srv := pgtest.Shared(b)
		name := fmt.Sprintf("linkup_bench_%d", time.Now().UnixNano())
		exec := func(sql string) error {
			conn, err := pgx.Connect(context.Background(), srv.URL())
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			_, err = conn.Exec(context.Background(), sql)
			return err
		}
		return srv.DatabaseURL(name), func() { exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") }, exec("CREATE DATABASE " + name)
	}
	dir, err := os.MkdirTemp("", "linkup-bench-errors")
	return dir, func() { os.RemoveAll(dir) }, err
}

// closeBenchTables removes the benchmarks' filled read models.
func closeBenchTables() {
	for _, c := range benchTables.cleanups {
		c()
	}
}

// fillErrors writes n error rows straight through the read model (the
// query is measured, not the projection): 20 types, 1,000 users, 4
// severities, one error a second.
func fillErrors(b *testing.B, rm ReadModel, n int) {
	ctx := context.Background()
	for i := 0; i < n; i += 10_000 {
		tx, err := rm.Begin(ctx, NameErrors, "")
		if err != nil {
			b.Fatal(err)
		}
		for k := i; k < i+10_000; k++ {
			row := ErrorRow{ID: uint64(k + 1), ErrorType: fmt.Sprint("t", k%20), Message: "m", Severity: severities[k%4],
				User: fmt.Sprint("u", k%1000), ConnectionID: fmt.Sprint("k", k%5000), At: t0.Add(time.Duration(k) * time.Second)}
			if err := tx.InsertError(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if p, ok := rm.(*Postgres); ok { // fresh statistics, as autovacuum would give a live table
		if _, err := p.pool.Exec(ctx, `VACUUM ANALYZE error_log`); err != nil {
			b.Fatal(err)
		}
	}
}

var severities = []string{"low", "medium", "high", "critical"}

// BenchmarkLiveLag appends 5,000 events/s for 3 s per iteration with the
// runner live, and reports the p99 of append-to-projected lag from the
// runner's histogram (as the upper bound of the bucket holding it).
func BenchmarkLiveLag(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) { benchLiveLag(b, be) })
	}
}

func benchLiveLag(b *testing.B, be backend) {
	st := openStore(b, b.TempDir())
	rm := be.openNew(b)
	reg := prometheus.NewRegistry()
	startRunner(b, st, rm, reg)
	appendEv(b, st, events.ChatStream("c"), events.ChatCreated{ChatID: "c", Members: []string{"u1", "u2"}, CreatedBy: "u1"})
	waitCaughtUp(b, st, rm)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for range b.N {
		paced(b, st, 5000, 3*time.Second)
	}
	waitCaughtUp(b, st, rm)
	b.ReportMetric(histP99(b, reg, NameReadStates)*1000, "p99-lag-ms")
	b.ReportMetric(histP99(b, reg, NameErrors)*1000, "p99-lag-errors-ms")
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(b.N*15000), "cpu-µs/event")
}

// cpuTime is the process's user plus system CPU time so far: appending,
// the store's writer, the subscriptions and the projections together.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// paced appends rate events/s (in appends of 10 every 2 ms) for d.
func paced(b *testing.B, st events.Store, rate int, d time.Duration) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	perTick := rate / 500
	var seq uint64
	for end := time.Now().Add(d); time.Now().Before(end); <-tick.C {
		var data []events.EventData
		for range perTick {
			seq++
			if seq%5 == 0 {
				data = append(data, events.MustEncode(events.ErrorRecorded{ErrorType: "x", Severity: "low", Context: map[string]any{}, At: t0}))
				continue
			}
			data = append(data, events.MustEncode(events.MessagePosted{ChatID: "c", Seq: seq, Sender: "u1", Body: "b", SentAt: t0}))
		}
		if _, err := st.Append(context.Background(), events.ChatStream("c"), events.Any(), data...); err != nil {
			b.Fatal(err)
		}
	}
}

func histP99(b *testing.B, reg *prometheus.Registry, proj string) float64 {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "linkup_projection_event_lag_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() != proj {
				continue
			}
			h := m.GetHistogram()
			for _, bk := range h.GetBucket() {
				if float64(bk.GetCumulativeCount()) >= 0.99*float64(h.GetSampleCount()) {
					return bk.GetUpperBound()
				}
			}
		}
	}
	return -1
}
