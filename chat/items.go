package chat

import (
	"slices"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// maxSeqGap bounds how far one stored item's seq may jump past the last
// (only odd stored facts jump at all): the item index is not padded past
// it, so a corrupt seq cannot make a state allocate without bound.
const maxSeqGap = 1 << 16

// itemMeta is what a State keeps of each timeline item to decide edits and
// deletions without reading the log: its kind and, for a message, its
// sender (an index into items.names). 8 bytes per item.
type itemMeta struct {
	sender uint32
	kind   Kind
}

// edit is the latest edit of a message that is not deleted.
type edit struct {
	seq  uint64
	body string
	at   time.Time
}

// items indexes a chat's timeline items: kinds and senders by seq, the
// deleted messages (target seq to the seq of the deletion), the latest
// edit of each edited message, and, sorted, the seqs that do not count as
// unread (items other than messages, and deleted messages).
type items struct {
	metas     []itemMeta // metas[seq-1]
	names     []string
	ids       map[string]uint32
	deleted   map[uint64]uint64
	edits     map[uint64]edit
	uncounted []uint64
}

// note records item it.
func (x *items) note(it Item) {
	m := itemMeta{kind: it.Kind}
	if it.Kind == KindMessage {
		m.sender = x.nameID(it.Message.Sender)
	} else {
		x.uncount(it.Seq)
	}
	n := uint64(len(x.metas))
	switch {
	case it.Seq == 0:
	case it.Seq <= n:
		x.metas[it.Seq-1] = m
	case it.Seq-n <= maxSeqGap:
		x.metas = append(x.metas, make([]itemMeta, it.Seq-1-n)...)
		x.metas = append(x.metas, m)
	}
}

func (x *items) nameID(name string) uint32 {
	if id, ok := x.ids[name]; ok {
		return id
	}
	if x.ids == nil {
		x.ids = map[string]uint32{}
	}
	id := uint32(len(x.names))
	x.names = append(x.names, strings.Clone(name))
	x.ids[x.names[id]] = id
	return id
}

// message returns the sender of the message seq, if seq is a message.
func (x *items) message(seq uint64) (string, bool) {
	if seq == 0 || seq > uint64(len(x.metas)) || x.metas[seq-1].kind != KindMessage {
		return "", false
	}
	return x.names[x.metas[seq-1].sender], true
}

func (x *items) uncount(seq uint64) {
	i, found := slices.BinarySearch(x.uncounted, seq)
	if !found {
		x.uncounted = slices.Insert(x.uncounted, i, seq)
	}
}

// markDeleted records that the message target was deleted by item seq.
func (x *items) markDeleted(target, seq uint64) {
	if _, ok := x.deleted[target]; ok {
		return
	}
	if x.deleted == nil {
		x.deleted = map[uint64]uint64{}
	}
	x.deleted[target] = seq
	delete(x.edits, target)
	x.uncount(target)
}

// markEdited records e as the latest edit of its target, unless the
// target is deleted or a later edit is known.
func (x *items) markEdited(e events.MessageEdited) {
	if _, gone := x.deleted[e.TargetSeq]; gone {
		return
	}
	if cur, ok := x.edits[e.TargetSeq]; ok && cur.seq > e.Seq {
		return
	}
	if x.edits == nil {
		x.edits = map[uint64]edit{}
	}
	x.edits[e.TargetSeq] = edit{seq: e.Seq, body: strings.Clone(e.Body), at: e.At}
}

// uncountedIn is how many of the items lo+1..hi do not count as unread.
func (x *items) uncountedIn(lo, hi uint64) uint64 {
	a, _ := slices.BinarySearch(x.uncounted, lo+1)
	b, _ := slices.BinarySearch(x.uncounted, hi+1)
	return uint64(b - a)
}

// Overlay is how the messages of a span of the timeline stand now: which
// are deleted and the latest body of those edited. History and sync take
// one when a request arrives and show the items they read with it
// (Overlay.Show), so an answer assembled later, off the chat's goroutine,
// does not touch the State.
type Overlay struct {
	deleted map[uint64]bool
	edits   map[uint64]edit
}

// Overlay returns how the messages up to seq hi stand now (edits of items
// up to hi target messages below hi).
func (s *State) Overlay(hi uint64) Overlay {
	var o Overlay
	for t := range s.items.deleted {
		if t <= hi {
			if o.deleted == nil {
				o.deleted = map[uint64]bool{}
			}
			o.deleted[t] = true
		}
	}
	for t, e := range s.items.edits {
		if t <= hi {
			if o.edits == nil {
				o.edits = map[uint64]edit{}
			}
			o.edits[t] = e
		}
	}
	return o
}

// Show returns it as history and sync show it: a deleted message without
// its body and with Deleted set; an edited one with its latest body and
// EditedAt; an edit of a deleted message without its body.
func (o Overlay) Show(it Item) Item {
	switch it.Kind {
	case KindMessage:
		if o.deleted[it.Seq] {
			it.Message.Body, it.Deleted = "", true
		} else if e, ok := o.edits[it.Seq]; ok {
			it.Message.Body, it.EditedAt = e.body, e.at
		}
	case KindEdit:
		if e, ok := it.Event.(events.MessageEdited); ok && o.deleted[e.TargetSeq] {
			e.Body = ""
			it.Event, it.Deleted = e, true
		}
	}
	return it
}

// DeletedSeqs returns the seqs of the deleted messages, in order.
func (s *State) DeletedSeqs() []uint64 {
	out := make([]uint64, 0, len(s.items.deleted))
	for t := range s.items.deleted {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// EditedSeqs returns the seqs of the messages edited and not deleted, in
// order.
func (s *State) EditedSeqs() []uint64 {
	out := make([]uint64, 0, len(s.items.edits))
	for t := range s.items.edits {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
