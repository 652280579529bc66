package main

import (
	"maps"
	"sync"
	"sync/atomic"
)

// Result is a worker's counts and histograms; the parent merges them.
type Result struct {
	Clients       int               `json:"clients"`
	Connected     int               `json:"connected"`
	ConnectFailed int               `json:"connect_failed"`
	Reconnects    uint64            `json:"reconnects"`
	Alive         int               `json:"alive"` // answered the final ping
	Sent          uint64            `json:"sent"`
	Acked         uint64            `json:"acked"`
	Unacked       uint64            `json:"unacked"`
	Delivered     uint64            `json:"delivered"`
	Expected      uint64            `json:"expected"`
	Missing       uint64            `json:"missing"`
	Duplicated    uint64            `json:"duplicated"`
	Resent        uint64            `json:"resent_by_sync"`   // repeats inside a sync answer, above the client's position
	Echoed        uint64            `json:"echoed,omitempty"` // peer mode: copies of a sender's own message sent back to it (not in Delivered)
	Typing        uint64            `json:"typing_sent"`
	TypingRecv    uint64            `json:"typing_received"`
	Receipts      uint64            `json:"receipts_sent"`
	ReadRecv      uint64            `json:"read_received"`
	Syncs         uint64            `json:"syncs"`
	SyncDone      uint64            `json:"syncs_completed"`
	Errors        map[string]uint64 `json:"errors,omitempty"`
	Forced        map[string]uint64 `json:"force_reconnect,omitempty"`
	Samples       []string          `json:"error_samples,omitempty"`
	AckLat        HistJSON          `json:"ack_latency"`
	DelLat        HistJSON          `json:"delivery_latency"`
	ConnLat       HistJSON          `json:"connect_latency"`
}

// merge adds o to r (histograms are merged separately, exactly).
func (r *Result) merge(o *Result) {
	r.Clients += o.Clients
	r.Connected += o.Connected
	r.ConnectFailed += o.ConnectFailed
	r.Alive += o.Alive
	for _, p := range [][2]*uint64{{&r.Reconnects, &o.Reconnects}, {&r.Sent, &o.Sent}, {&r.Acked, &o.Acked},
		{&r.Unacked, &o.Unacked}, {&r.Delivered, &o.Delivered}, {&r.Expected, &o.Expected}, {&r.Missing, &o.Missing},
		{&r.Duplicated, &o.Duplicated}, {&r.Resent, &o.Resent}, {&r.Echoed, &o.Echoed}, {&r.Typing, &o.Typing}, {&r.TypingRecv, &o.TypingRecv}, {&r.Receipts, &o.Receipts},
		{&r.ReadRecv, &o.ReadRecv}, {&r.Syncs, &o.Syncs}, {&r.SyncDone, &o.SyncDone}} {
		*p[0] += *p[1]
	}
	r.Errors = addCounts(r.Errors, o.Errors)
	r.Forced = addCounts(r.Forced, o.Forced)
	if len(r.Samples) < 5 {
		r.Samples = append(r.Samples, o.Samples[:min(len(o.Samples), 5-len(r.Samples))]...)
	}
}

func addCounts(a, b map[string]uint64) map[string]uint64 {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = map[string]uint64{}
	}
	for k, v := range b {
		a[k] += v
	}
	return a
}

// counters are a worker's live counts, shared by its clients.
type counters struct {
	reconnects, sent, acked, delivered, dups      atomic.Uint64
	typing, typingRecv, receipts, readRecv, syncs atomic.Uint64
	syncDone, resent, echoed                      atomic.Uint64
	ackLat, delLat, connLat                       Hist
	mu                                            sync.Mutex
	errors, forced                                map[string]uint64
	samples                                       []string
}

// countErr records a server error frame or a client-side failure.
func (c *counters) countErr(code, sample string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.errors == nil {
		c.errors = map[string]uint64{}
	}
	c.errors[code]++
	if len(c.samples) < 5 {
		c.samples = append(c.samples, sample)
	}
}

func (c *counters) countForced(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forced == nil {
		c.forced = map[string]uint64{}
	}
	c.forced[reason]++
}

// fill copies the counters into r.
func (c *counters) fill(r *Result) {
	r.Reconnects, r.Sent, r.Acked = c.reconnects.Load(), c.sent.Load(), c.acked.Load()
	r.Delivered, r.Duplicated = c.delivered.Load(), c.dups.Load()
	r.Typing, r.TypingRecv, r.Receipts, r.ReadRecv = c.typing.Load(), c.typingRecv.Load(), c.receipts.Load(), c.readRecv.Load()
	r.Syncs, r.SyncDone, r.Resent, r.Echoed = c.syncs.Load(), c.syncDone.Load(), c.resent.Load(), c.echoed.Load()
	r.AckLat, r.DelLat, r.ConnLat = c.ackLat.Export(), c.delLat.Export(), c.connLat.Export()
	c.mu.Lock()
	defer c.mu.Unlock()
	r.Errors, r.Forced = maps.Clone(c.errors), maps.Clone(c.forced)
	r.Samples = append([]string(nil), c.samples...)
}
