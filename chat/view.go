package chat

import (
	"slices"

	"github.com/linkup-chat/linkup/events"
)

// view is a State as the events decided so far in a batch would leave it,
// without copying the State: it holds only what the batch changed.
type view struct {
	s        *State
	creation *events.ChatCreated
	latest   uint64
	reads    smallMap[string, uint64]
	dropped  map[string]bool
	sent     smallMap[[2]string, uint64] // the batch's posts: (sender, client_msg_id) to seq
	list     []string                    // the members, once the batch changed them
	changed  bool
	msgs     smallMap[uint64, string] // the batch's messages: seq to sender
	dels     map[uint64]uint64        // the batch's deletions: target to seq
	edits    map[uint64]string        // the batch's edits: target to body
	delivs   map[string]uint64        // the batch's delivered pointers
}

func newView(s *State) *view { return &view{s: s, latest: s.LatestSeq} }

func (v *view) exists() bool { return v.s.Created || v.creation != nil }

func (v *view) isMember(user string) bool { return slices.Contains(v.members(), user) }

func (v *view) checkMember(user string) *Error {
	return checkMember(v.exists(), v.isMember(user))
}

// creator is the chat's creator.
func (v *view) creator() string {
	if v.creation != nil {
		return v.creation.CreatedBy
	}
	return v.s.CreatedBy
}

// message returns the sender of the message seq, if seq is one.
func (v *view) message(seq uint64) (string, bool) {
	if sender, ok := v.msgs.get(seq); ok {
		return sender, true
	}
	return v.s.items.message(seq)
}

// deletion returns the seq that deleted the message target, if it is.
func (v *view) deletion(target uint64) (uint64, bool) {
	if seq, ok := v.dels[target]; ok {
		return seq, true
	}
	return v.s.Deleted(target)
}

// lastBody returns the latest edited body of the message target, if it
// was edited.
func (v *view) lastBody(target uint64) (string, bool) {
	if b, ok := v.edits[target]; ok {
		return b, true
	}
	e, ok := v.s.items.edits[target]
	return e.body, ok
}

// repeat returns the seq of the message sender stored or is storing with
// clientMsgID, and whether it is one earlier in the batch.
func (v *view) repeat(sender, clientMsgID string) (seq uint64, inBatch, ok bool) {
	if seq, ok := v.sent.get([2]string{sender, clientMsgID}); ok {
		return seq, true, true
	}
	seq, ok = v.s.Posted(sender, clientMsgID)
	return seq, false, ok
}

// view is a folder; see fold.
func (v *view) created(e events.ChatCreated) { v.creation = &e; v.list, v.changed = e.Members, true }

func (v *view) item(it Item) {
	v.latest = RaiseLatest(v.latest, it.Seq)
	if it.Kind == KindMessage {
		v.msgs.set(it.Seq, it.Message.Sender)
	}
}

func (v *view) member(user string) bool { return v.isMember(user) }

func (v *view) members() []string {
	if v.changed {
		return v.list
	}
	return v.s.Members
}

func (v *view) setMembers(m []string) { v.list, v.changed = m, true }

func (v *view) pointer(user string) uint64 {
	if seq, ok := v.reads.get(user); ok {
		return seq
	}
	if v.dropped[user] {
		return 0
	}
	return v.s.Read[user]
}

func (v *view) setPointer(user string, seq uint64) {
	v.reads.set(user, seq)
}

func (v *view) dropPointer(user string) {
	v.reads.del(user)
	delete(v.delivs, user)
	if v.dropped == nil {
		v.dropped = map[string]bool{}
	}
	v.dropped[user] = true
}

func (v *view) posted(m events.MessagePosted) {
	v.sent.set([2]string{m.Sender, m.ClientMsgID}, m.Seq)
}

func (v *view) deleted(target, seq uint64) {
	if _, ok := v.deletion(target); ok {
		return
	}
	if v.dels == nil {
		v.dels = map[uint64]uint64{}
	}
	v.dels[target] = seq
}

func (v *view) edited(e events.MessageEdited) {
	if v.edits == nil {
		v.edits = map[uint64]string{}
	}
	v.edits[e.TargetSeq] = e.Body
}

func (v *view) deliveredPointer(user string) uint64 {
	if seq, ok := v.delivs[user]; ok {
		return seq
	}
	if v.dropped[user] {
		return 0
	}
	return v.s.Delivered[user]
}

func (v *view) setDelivered(user string, seq uint64) {
	if v.delivs == nil {
		v.delivs = map[string]uint64{}
	}
	v.delivs[user] = seq
}
