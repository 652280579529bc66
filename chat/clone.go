package chat

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of s: applying events to either leaves the
// other as it was. The chat actor decides a batch against the state after
// the batches still in flight (speculatively, see actors/chat_pipeline.go)
// on a clone, so the durable state stays what the log holds.
func (s *State) Clone() *State {
	c := *s
	c.Members = slices.Clone(s.Members)
	c.Read = maps.Clone(s.Read)
	c.Delivered = maps.Clone(s.Delivered)
	c.seqRev = slices.Clone(s.seqRev)
	c.dedup = s.dedup.clone()
	c.items = s.items.clone()
	return &c
}

func (d *dedupIndex) clone() *dedupIndex {
	c := &dedupIndex{bySender: make(map[string]*senderWindow, len(d.bySender)), n: d.n}
	for sender, w := range d.bySender {
		c.bySender[sender] = &senderWindow{entries: slices.Clone(w.entries), sums: slices.Clone(w.sums), next: w.next}
	}
	return c
}

func (x items) clone() items {
	return items{metas: slices.Clone(x.metas), names: slices.Clone(x.names), ids: maps.Clone(x.ids),
		deleted: maps.Clone(x.deleted), edits: maps.Clone(x.edits), uncounted: slices.Clone(x.uncounted)}
}
