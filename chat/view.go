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
	reads    map[string]uint64
	sent     map[[2]string]events.MessagePosted
}

func newView(s *State) *view { return &view{s: s, latest: s.LatestSeq} }

func (v *view) exists() bool { return v.s.Created || v.creation != nil }

func (v *view) isMember(user string) bool {
	if v.creation != nil {
		return slices.Contains(v.creation.Members, user)
	}
	return v.s.IsMember(user)
}

func (v *view) checkMember(user string) *Error {
	return checkMember(v.exists(), v.isMember(user))
}

// repeat returns the message sender stored or is storing with clientMsgID:
// one earlier in the batch, or the seq of a stored one.
func (v *view) repeat(sender, clientMsgID string) (events.MessagePosted, uint64, bool) {
	if m, ok := v.sent[[2]string{sender, clientMsgID}]; ok {
		return m, 0, true
	}
	seq, ok := v.s.Posted(sender, clientMsgID)
	return events.MessagePosted{}, seq, ok
}

// view is a folder; see fold.
func (v *view) created(e events.ChatCreated) { v.creation = &e }
func (v *view) item(it Item)                 { v.latest = RaiseLatest(v.latest, it.Seq) }

func (v *view) pointer(user string) uint64 {
	if seq, ok := v.reads[user]; ok {
		return seq
	}
	return v.s.Read[user]
}

func (v *view) setPointer(user string, seq uint64) {
	if v.reads == nil {
		v.reads = map[string]uint64{}
	}
	v.reads[user] = seq
}

func (v *view) posted(m events.MessagePosted) {
	if v.sent == nil {
		v.sent = map[[2]string]events.MessagePosted{}
	}
	v.sent[[2]string{m.Sender, m.ClientMsgID}] = m
}
