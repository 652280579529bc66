package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Summary is a run's outcome: the JSON line and the human summary.
type Summary struct {
	Scenario       string  `json:"scenario"`
	Config         Config  `json:"config"`
	TrafficSeconds float64 `json:"traffic_seconds"`
	Result         Result  `json:"result"`
	Before         Sample  `json:"server_before"`
	Connected      Sample  `json:"server_connected"`
	After          Sample  `json:"server_after"`
	MaxRSS         int64   `json:"server_max_rss"`
	MaxGoroutines  int     `json:"server_max_goroutines"`
	// ClientCPU is the CPU seconds the load tool's workers used over the
	// same span as the server's CPU (the clients share the machine).
	ClientCPU float64 `json:"client_cpu_seconds"`
	// ServerHists are linkup's append histograms over the traffic phase.
	ServerHists map[string]HistDelta `json:"server_histograms,omitempty"`
	// LogGrowth is the event log's growth per delivered message (linkup
	// only; loggrowth.go).
	LogGrowth *LogGrowth `json:"log_growth,omitempty"`
	// Derived figures.
	DeliveredPerSec float64 `json:"delivered_per_s"`
	AckedPerSec     float64 `json:"acked_per_s"`
	RSSPerConn      float64 `json:"server_rss_per_conn_bytes"`
	CPUPercent      float64 `json:"server_cpu_percent"`
	SysCPUPercent   float64 `json:"server_system_cpu_percent"`
	// ReadCallsPerSec and WriteCallsPerSec are the server's read and
	// write system calls per second over the same span (sockets and
	// files alike; 0 when /proc/PID/io is not readable).
	ReadCallsPerSec  float64            `json:"server_read_calls_per_s"`
	WriteCallsPerSec float64            `json:"server_write_calls_per_s"`
	ClientCPUPct     float64            `json:"client_cpu_percent"`
	Latency          map[string]Latency `json:"latency_ms"`
	// Soak only: the server samples over the traffic phase and the verdict.
	Series        []Sample `json:"series,omitempty"`
	SeriesDropped int      `json:"series_dropped,omitempty"`
	Verdict       *Verdict `json:"verdict,omitempty"`
}

// Latency is one histogram's quantiles in milliseconds.
type Latency struct {
	Count              uint64
	P50, P90, P99, Max float64
}

// merge sums the workers' results and derives the rates and quantiles.
func (s *Summary) merge(done []Report) error {
	hists := map[string]*Hist{"ack": {}, "delivery": {}, "connect": {}}
	for _, d := range done {
		if d.Result == nil {
			return fmt.Errorf("%w: done report without result", errWorker)
		}
		s.Result.merge(d.Result)
		for name, j := range map[string]HistJSON{"ack": d.Result.AckLat, "delivery": d.Result.DelLat, "connect": d.Result.ConnLat} {
			if err := hists[name].Import(j); err != nil {
				return err
			}
		}
	}
	s.Result.AckLat, s.Result.DelLat, s.Result.ConnLat = HistJSON{}, HistJSON{}, HistJSON{}
	s.Latency = map[string]Latency{}
	for name, h := range hists {
		s.Latency[name] = latencyOf(h)
	}
	if t := s.TrafficSeconds; t > 0 {
		s.DeliveredPerSec, s.AckedPerSec = float64(s.Result.Delivered)/t, float64(s.Result.Acked)/t
		span := s.After.At.Sub(s.Connected.At).Seconds()
		s.CPUPercent = 100 * (s.After.CPU - s.Connected.CPU) / span
		s.SysCPUPercent = 100 * (s.After.SysCPU - s.Connected.SysCPU) / span
		s.ReadCallsPerSec = float64(s.After.ReadCalls-s.Connected.ReadCalls) / span
		s.WriteCallsPerSec = float64(s.After.WriteCalls-s.Connected.WriteCalls) / span
		s.ClientCPUPct = 100 * s.ClientCPU / span
	}
	if n := s.Result.Connected; n > 0 && s.After.RSS > 0 {
		s.RSSPerConn = float64(s.After.RSS-s.Before.RSS) / float64(n)
	}
	return nil
}

func latencyOf(h *Hist) Latency {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return Latency{Count: h.Count(), P50: ms(h.Quantile(0.5)), P90: ms(h.Quantile(0.9)), P99: ms(h.Quantile(0.99)), Max: ms(h.Max())}
}

// print writes the human summary, then the JSON line.
func (s *Summary) print(w io.Writer) {
	r := s.Result
	fmt.Fprintf(w, "scenario %s against %s: %d clients, %d connected, %d connect failures, %d alive and complete at the end, %d reconnects\n",
		s.Scenario, s.Config.target(), r.Clients, r.Connected, r.ConnectFailed, r.Alive, r.Reconnects)
	fmt.Fprintf(w, "messages: sent %d, acked %d (%.0f/s), unacked %d; delivered %d (%.0f/s) of %d expected; missing %d, duplicated %d (resent by sync %d)\n",
		r.Sent, r.Acked, s.AckedPerSec, r.Unacked, r.Delivered, s.DeliveredPerSec, r.Expected, r.Missing, r.Duplicated, r.Resent)
	if r.Echoed > 0 {
		fmt.Fprintf(w, "echoed %d (copies of a sender's own message sent back to it by the peer; not in delivered)\n", r.Echoed)
	}
	if r.Typing+r.Receipts+r.Syncs > 0 {
		fmt.Fprintf(w, "other: typing %d sent / %d received, receipts %d sent / %d read frames, syncs %d / %d completed\n",
			r.Typing, r.TypingRecv, r.Receipts, r.ReadRecv, r.Syncs, r.SyncDone)
	}
	for _, name := range []string{"ack", "delivery", "connect"} {
		if l := s.Latency[name]; l.Count > 0 {
			fmt.Fprintf(w, "%s latency ms: p50 %.2f p90 %.2f p99 %.2f max %.2f (n=%d)\n", name, l.P50, l.P90, l.P99, l.Max, l.Count)
		}
	}
	fmt.Fprintf(w, "server: RSS %.1f MiB before, %.1f connected, %.1f after, max %.1f; %.0f B/conn; CPU %.0f%% during traffic (load tool's workers %.0f%%); goroutines %d connected, max %d\n",
		mib(s.Before.RSS), mib(s.Connected.RSS), mib(s.After.RSS), mib(s.MaxRSS), s.RSSPerConn, s.CPUPercent, s.ClientCPUPct, s.Connected.Goroutines, s.MaxGoroutines)
	if s.WriteCallsPerSec > 0 {
		fmt.Fprintf(w, "server during traffic: CPU %.0f%% of it in the kernel; %.0f write and %.0f read system calls per second\n",
			s.SysCPUPercent, s.WriteCallsPerSec, s.ReadCallsPerSec)
	}
	if a, ok := s.ServerHists["linkup_append_latency_seconds"]; ok {
		b, e := s.ServerHists["linkup_chat_batch_size"], s.ServerHists["linkup_append_batch_events"]
		fmt.Fprintf(w, "server appends during traffic: %.0f, store append ms mean %.2f p50 ≤%.1f p99 ≤%.1f; commands per chat batch mean %.1f; events per append mean %.1f\n",
			a.Count, 1000*a.Mean, 1000*a.P50, 1000*a.P99, b.Mean, e.Mean)
	}
	if r.DelivReceipts > 0 {
		fmt.Fprintf(w, "delivery receipts sent %d (at most one per chat per second per client)\n", r.DelivReceipts)
	}
	if s.LogGrowth != nil {
		s.LogGrowth.print(w)
	}
	if len(r.Errors)+len(r.Forced) > 0 {
		fmt.Fprintf(w, "errors %v; force_reconnect %v; samples %q\n", r.Errors, r.Forced, r.Samples)
	}
	if s.Verdict != nil {
		s.printSoak(w)
	}
	b, _ := json.Marshal(s)
	fmt.Fprintf(w, "%s\n", b)
}

// printSoak writes the series table and the flat verdict.
func (s *Summary) printSoak(w io.Writer) {
	printSeries(w, s.Series, 40)
	v := s.Verdict
	verdict := "PASS"
	if !v.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "soak %s over %d samples, last third vs middle third (medians): RSS %s → %s (%+.1f %%), goroutines %d → %d (%+.1f %%), fds %d → %d (%+.1f %%)\n",
		verdict, v.Samples, mibs(v.RSSMiddle), mibs(v.RSSLast), 100*v.RSSGrowth, v.GoroutineMiddle, v.GoroutineLast, 100*v.GoroutineGrowth,
		v.FDMiddle, v.FDLast, 100*v.FDGrowth)
	for _, f := range v.Failures {
		fmt.Fprintf(w, "soak failure: %s\n", f)
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
