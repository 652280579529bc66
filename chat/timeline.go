package chat

import "github.com/linkup-chat/linkup/events"

// Kind is what a timeline item is. A chat's timeline is everything its
// members see in seq order; each item takes the next seq. Version 1 has
// messages only; membership changes, edits, deletions and delivery
// pointers are to become kinds of their own, each with its seq.
type Kind uint8

// The kinds of timeline items.
const (
	KindMessage Kind = iota + 1
)

func (k Kind) String() string {
	switch k {
	case KindMessage:
		return "message"
	}
	return "unknown"
}

// Item is one entry of a chat's timeline.
type Item struct {
	Seq     uint64
	Kind    Kind
	Message events.MessagePosted // KindMessage
}

// ItemOf returns the timeline item ev adds, if it adds one.
func ItemOf(ev events.Event) (Item, bool) {
	if m, ok := ev.(events.MessagePosted); ok {
		return Item{Seq: m.Seq, Kind: KindMessage, Message: m}, true
	}
	return Item{}, false
}

// seqRevEvery is how many items share one entry of the seq index.
const seqRevEvery = 64

// Timeline is where a chat's timeline stands: its latest seq, and an index
// from seq to stream revision. The items themselves stay in the log.
type Timeline struct {
	// LatestSeq is the seq of the newest item (0: none yet).
	LatestSeq uint64
	// seqRev[i] is the stream revision of item seq i*seqRevEvery+1, so
	// history and sync can start reading old items from the store close to
	// where they are (8 bytes per seqRevEvery items, not per item).
	seqRev []uint64
}

// add records item seq, stored at stream revision rev.
func (t *Timeline) add(seq, rev uint64) {
	t.LatestSeq = RaiseLatest(t.LatestSeq, seq)
	if (seq-1)%seqRevEvery == 0 {
		t.seqRev = append(t.seqRev, rev)
	}
}

// RevisionOfSeq returns a stream revision at or before item seq: reading
// forward from it reaches seq within seqRevEvery items.
func (t *Timeline) RevisionOfSeq(seq uint64) (uint64, bool) {
	if seq == 0 || seq > t.LatestSeq {
		return 0, false
	}
	i := (seq - 1) / seqRevEvery
	if i >= uint64(len(t.seqRev)) {
		return 0, false
	}
	return t.seqRev[i], true
}
