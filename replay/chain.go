package replay

import (
	"context"
	"fmt"
)

// ChainQuery names where a chain starts: an event id, a log position, or a
// correlation id. Exactly one must be set.
type ChainQuery struct {
	EventID     string
	Position    uint64
	Correlation string
}

// Validate reports a query with none or several starting points.
func (q ChainQuery) Validate() error {
	n := 0
	for _, set := range []bool{q.EventID != "", q.Position > 0, q.Correlation != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("replay: chain: give exactly one of event id, position, correlation id: %w", ErrBadQuery)
	}
	return nil
}

// Chain is a client command (its correlation id) and every event it
// caused, in store order, each with its depth in the causation tree (0:
// caused by the command itself).
type Chain struct {
	// Root is the correlation id the chain follows; for an event without
	// one, the event's own id.
	Root    string
	Entries []ChainEntry
	// Truncated is set when the chain had more than Config.MaxChain events.
	Truncated bool
}

// ChainEntry is one event of a chain.
type ChainEntry struct {
	Entry
	Depth int
}

// Chain finds the starting event (for EventID or Position), takes its
// correlation id, and collects, in one more pass over the log, every event
// with that correlation id or caused (through causation ids) by one of
// them. Errors: ErrEventNotFound, ErrBadQuery.
func (r *Replayer) Chain(ctx context.Context, q ChainQuery) (Chain, error) {
	if err := q.Validate(); err != nil {
		return Chain{}, err
	}
	root := q.Correlation
	if root == "" {
		e, err := r.findEvent(ctx, q)
		if err != nil {
			return Chain{}, err
		}
		root = e.Rec.Metadata.CorrelationID
		if root == "" {
			root = e.Rec.ID
		}
	}
	return r.collectChain(ctx, root)
}

// findEvent scans for the event named by q.
func (r *Replayer) findEvent(ctx context.Context, q ChainQuery) (Entry, error) {
	after := uint64(0)
	if q.Position > 0 {
		after = q.Position - 1
	}
	for rec, err := range r.readAll(ctx, after) {
		if err != nil {
			return Entry{}, fmt.Errorf("replay: chain: %w", err)
		}
		if q.Position > 0 && rec.Position != q.Position {
			break
		}
		if q.Position > 0 || rec.ID == q.EventID {
			return newEntry(rec), nil
		}
	}
	return Entry{}, fmt.Errorf("replay: chain: %s: %w", q.name(), ErrEventNotFound)
}

func (q ChainQuery) name() string {
	if q.Position > 0 {
		return fmt.Sprintf("position %d", q.Position)
	}
	return fmt.Sprintf("event %q", q.EventID)
}

// collectChain gathers the events of root in one forward pass: causes are
// stored before their effects, so a causation id always names an event
// already seen (or the command itself).
func (r *Replayer) collectChain(ctx context.Context, root string) (Chain, error) {
	c := Chain{Root: root}
	depth := map[string]int{}
	for rec, err := range r.readAll(ctx, 0) {
		if err != nil {
			return c, fmt.Errorf("replay: chain: %w", err)
		}
		md := rec.Metadata
		parent, caused := depth[md.CausationID]
		if md.CorrelationID != root && rec.ID != root && !caused {
			continue
		}
		d := 0
		if caused {
			d = parent + 1
		}
		if !r.addToChain(&c, ChainEntry{Entry: newEntry(rec), Depth: d}) {
			break
		}
		depth[rec.ID] = d
	}
	if len(c.Entries) == 0 {
		return c, fmt.Errorf("replay: chain: correlation id %q: %w", root, ErrEventNotFound)
	}
	return c, nil
}

func (r *Replayer) addToChain(c *Chain, e ChainEntry) bool {
	if len(c.Entries) >= r.cfg.MaxChain {
		c.Truncated = true
		r.metrics.limits.WithLabelValues("chain").Inc()
		return false
	}
	c.Entries = append(c.Entries, e)
	return true
}
