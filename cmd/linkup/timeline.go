package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/replay"
	"github.com/linkup-chat/linkup/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// maxTimelineScan bounds the events one /v1/timeline request reads from the
// log (about a second of scanning); a page that reaches it ends early with
// scan_limited and a cursor to go on from.
const maxTimelineScan = 200_000

// timelineBackend serves /v1/timeline and /v1/timeline/chain from the event
// log through replay: the same filters and the same JSONL objects as
// `linkup replay timeline --format jsonl`, so no filter rule is written
// twice. It only ever reads the store.
type timelineBackend struct {
	store       events.Store
	timeOrdered bool
	maxScan     int // events read per page (maxTimelineScan)
	scanned     prometheus.Counter
	limited     *prometheus.CounterVec
}

var _ transport.TimelineBackend = (*timelineBackend)(nil)

// newTimelineBackend reads store; timeOrdered as replay.Config.TimeOrdered
// (true for the embedded store). Its counters go to reg (nil: nowhere).
func newTimelineBackend(store events.Store, timeOrdered bool, reg prometheus.Registerer) *timelineBackend {
	b := &timelineBackend{store: store, timeOrdered: timeOrdered, maxScan: maxTimelineScan,
		scanned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "linkup_timeline_events_scanned_total",
			Help: "Events read from the log by /v1/timeline and /v1/timeline/chain.",
		}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "linkup_timeline_limit_reached_total",
			Help: "Timeline API requests cut short by a bound (scan: events read per page; chain: events per chain).",
		}, []string{"limit"}),
	}
	if reg != nil {
		reg.MustRegister(b.scanned, b.limited)
	}
	return b
}

// replayer returns a Replayer over a read-only, bounded view of the store
// that starts after cursor.
func (b *timelineBackend) replayer(cursor uint64, budget int) (*replay.Replayer, *boundedStore, error) {
	bs := &boundedStore{Store: b.store, floor: cursor, budget: budget}
	r, err := replay.New(replay.Config{Store: bs, TimeOrdered: b.timeOrdered})
	return r, bs, err
}

// Timeline answers one page of the filtered timeline.
func (b *timelineBackend) Timeline(ctx context.Context, q protocol.TimelineQuery) (protocol.TimelinePage, error) {
	r, bs, err := b.replayer(q.Cursor, b.maxScan)
	if err != nil {
		return protocol.TimelinePage{}, err
	}
	defer func() { b.scanned.Add(float64(bs.read)) }()
	rq := replay.Query{Since: q.Since, Until: q.Until, User: q.User, Chat: q.Chat,
		Connection: q.Connection, Correlation: q.Correlation, Types: q.Types}
	var entries []replay.Entry
	for e, err := range r.Timeline(ctx, rq) {
		if err != nil {
			return protocol.TimelinePage{}, timelineError(err)
		}
		entries = append(entries, e)
		if len(entries) == q.Limit {
			break
		}
	}
	items, err := jsonlObjects(slices.Values(entries))
	if err != nil {
		return protocol.TimelinePage{}, err
	}
	page := protocol.TimelinePage{Items: items}
	switch {
	case len(entries) == q.Limit:
		page.NextCursor = cursor(entries[len(entries)-1].Rec.Position)
	case bs.exhausted:
		page.NextCursor, page.ScanLimited = cursor(bs.last), true
		b.limited.WithLabelValues("scan").Inc()
	}
	return page, nil
}

// cursor is a next_cursor: a store position as a decimal string, nil for
// 0 (the end).
func cursor(pos uint64) *string {
	if pos == 0 {
		return nil
	}
	s := strconv.FormatUint(pos, 10)
	return &s
}

// Chain answers the chain of one client command.
func (b *timelineBackend) Chain(ctx context.Context, q protocol.ChainQuery) (protocol.ChainPage, error) {
	r, bs, err := b.replayer(0, 0)
	if err != nil {
		return protocol.ChainPage{}, err
	}
	defer func() { b.scanned.Add(float64(bs.read)) }()
	c, err := r.Chain(ctx, replay.ChainQuery{EventID: q.EventID, Position: q.Position, Correlation: q.Correlation})
	if err != nil {
		return protocol.ChainPage{}, chainError(q, err)
	}
	if c.Truncated {
		b.limited.WithLabelValues("chain").Inc()
	}
	entries := make([]replay.Entry, len(c.Entries))
	for i, e := range c.Entries {
		entries[i] = e.Entry
	}
	objs, err := jsonlObjects(slices.Values(entries))
	if err != nil {
		return protocol.ChainPage{}, err
	}
	page := protocol.ChainPage{Root: c.Root, Truncated: c.Truncated, Items: make([]protocol.ChainItem, len(objs))}
	for i, o := range objs {
		page.Items[i] = protocol.ChainItem{Depth: c.Entries[i].Depth, Event: o}
	}
	return page, nil
}

// jsonlObjects formats entries exactly as `replay timeline --format jsonl`
// does, one object each.
func jsonlObjects(entries iter.Seq[replay.Entry]) ([]json.RawMessage, error) {
	var buf bytes.Buffer
	seq := func(yield func(replay.Entry, error) bool) {
		for e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
	if _, err := replay.Print(&buf, replay.FormatJSONL, seq); err != nil {
		return nil, err
	}
	if buf.Len() == 0 {
		return nil, nil
	}
	lines := bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	out := make([]json.RawMessage, len(lines))
	for i, l := range lines {
		out[i] = l
	}
	return out, nil
}

// timelineError names the parameter behind replay's refusals.
func timelineError(err error) error {
	switch {
	case errors.Is(err, replay.ErrUnknownChat):
		return transport.UnknownParameter("chat", "the log holds no such chat")
	case errors.Is(err, replay.ErrUnknownConnection):
		return transport.UnknownParameter("connection", "the log holds no such connection")
	case errors.Is(err, replay.ErrFutureTime):
		return transport.InvalidParameter("since", "is in the future")
	case errors.Is(err, replay.ErrBadQuery):
		return transport.InvalidParameter("type", err.Error())
	}
	return err
}

func chainError(q protocol.ChainQuery, err error) error {
	if !errors.Is(err, replay.ErrEventNotFound) && !errors.Is(err, replay.ErrBadQuery) {
		return err
	}
	switch {
	case q.Position > 0:
		return transport.UnknownParameter("position", fmt.Sprintf("no event at position %d", q.Position))
	case q.EventID != "":
		return transport.UnknownParameter("event", "the log holds no such event")
	}
	return transport.UnknownParameter("correlation", "the log holds no event of this correlation id")
}

// boundedStore is the store as the timeline API sees it: read-only, every
// ReadAll starting after floor (the page cursor), and at most budget events
// read in all (0: no bound). When the budget ends a read, exhausted is set
// and last is the position of the last event it yielded: every event up to
// there has been through the filters.
type boundedStore struct {
	events.Store
	floor     uint64
	budget    int
	read      int
	last      uint64
	exhausted bool
}

var errReadOnly = errors.New("timeline: the store is read-only here")

func (s *boundedStore) Append(context.Context, string, events.ExpectedRevision, ...events.EventData) (events.AppendResult, error) {
	return events.AppendResult{}, errReadOnly
}

func (s *boundedStore) Subscribe(context.Context, events.SubscribeOptions) iter.Seq2[events.Delivery, error] {
	return func(yield func(events.Delivery, error) bool) { yield(events.Delivery{}, errReadOnly) }
}

func (s *boundedStore) Close() error { return nil }

func (s *boundedStore) ReadAll(ctx context.Context, opts events.ReadAllOptions) iter.Seq2[events.RecordedEvent, error] {
	opts.After = max(opts.After, s.floor)
	return func(yield func(events.RecordedEvent, error) bool) {
		for rec, err := range s.Store.ReadAll(ctx, opts) {
			if err == nil {
				if s.budget > 0 && s.read >= s.budget {
					s.exhausted = true
					return
				}
				s.read++
				s.last = rec.Position
			}
			if !yield(rec, err) {
				return
			}
		}
	}
}

// timelineTimeOrdered reports whether the store's append times rise with
// position: true of the embedded store (one clock, one writer).
func timelineTimeOrdered(store string) bool { return store == "" || store == "embedded" }
