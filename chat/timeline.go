package chat

import (
	"time"

	"github.com/linkup-chat/linkup/events"
)

// Kind is what a timeline item is. A chat's timeline is everything its
// members see in seq order; each item takes the next seq: messages,
// membership changes, edits and deletions (PROTOCOL.md "Timeline (v1.1)").
type Kind uint8

// The kinds of timeline items.
const (
	KindMessage Kind = iota + 1
	KindMembersChanged
	KindEdit
	KindDelete
)

// String is the kind's frame type on the wire.
func (k Kind) String() string {
	switch k {
	case KindMessage:
		return "message"
	case KindMembersChanged:
		return "members_changed"
	case KindEdit:
		return "message_edited"
	case KindDelete:
		return "message_deleted"
	}
	return "unknown"
}

// Item is one entry of a chat's timeline: the event that added it, and,
// for a message or an edit shown in history or sync (State.Show), how it
// stands now.
type Item struct {
	Seq     uint64
	Kind    Kind
	Message events.MessagePosted // KindMessage
	// Event is the event of the other kinds: events.MembersAdded or
	// events.MemberRemoved (KindMembersChanged), events.MessageEdited
	// (KindEdit), events.MessageDeleted (KindDelete).
	Event events.Event
	// EditedAt is set (by Show) on a message edited since: Message.Body is
	// then the latest body.
	EditedAt time.Time
	// Deleted is set (by Show) on a message deleted since, and on an edit
	// of it: the body is gone.
	Deleted bool
}

// ItemOf returns the timeline item ev adds, if it adds one.
func ItemOf(ev events.Event) (Item, bool) {
	switch e := ev.(type) {
	case events.MessagePosted:
		return Item{Seq: e.Seq, Kind: KindMessage, Message: e}, true
	case events.MembersAdded:
		return Item{Seq: e.Seq, Kind: KindMembersChanged, Event: e}, true
	case events.MemberRemoved:
		return Item{Seq: e.Seq, Kind: KindMembersChanged, Event: e}, true
	case events.MessageEdited:
		return Item{Seq: e.Seq, Kind: KindEdit, Event: e}, true
	case events.MessageDeleted:
		return Item{Seq: e.Seq, Kind: KindDelete, Event: e}, true
	}
	return Item{}, false
}

// IsTimelineType reports whether events of type t add timeline items.
func IsTimelineType(t string) bool {
	switch t {
	case events.TypeMessagePosted, events.TypeMembersAdded, events.TypeMemberRemoved,
		events.TypeMessageEdited, events.TypeMessageDeleted:
		return true
	}
	return false
}

// Added returns the users a membership item added (nil for others).
func (it Item) Added() []string {
	if e, ok := it.Event.(events.MembersAdded); ok {
		return e.Users
	}
	return nil
}

// Removed returns the user a membership item removed ("" for others).
func (it Item) Removed() string {
	if e, ok := it.Event.(events.MemberRemoved); ok {
		return e.User
	}
	return ""
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
