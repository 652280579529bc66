package chat

import (
	"slices"

	"github.com/linkup-chat/linkup/events"
)

// State is a chat as folded from its stream by Apply. The live chat actor,
// replay and tests all build it with Apply; Decide reads it and never
// changes it. A State is not safe for concurrent use.
type State struct {
	ChatID    string
	Title     string
	Members   []string
	CreatedBy string
	Created   bool
	// Timeline is where the chat's items stand (LatestSeq,
	// RevisionOfSeq).
	Timeline
	// Read maps each member to their read pointer.
	Read map[string]uint64
	// Revision is the stream revision of the last applied event, valid when
	// Created is true.
	Revision uint64
	dedup    *dedupIndex
}

// NewState returns the state of a chat that has no events yet.
func NewState(chatID string) *State {
	return &State{ChatID: chatID, Read: map[string]uint64{}, dedup: newDedupIndex(DedupPerSender)}
}

// IsMember reports whether user belongs to the chat.
func (s *State) IsMember(user string) bool {
	return slices.Contains(s.Members, user)
}

// CheckReadable returns nil when user may read the chat (history, sync,
// summary): the chat exists and user is a member; else ErrChatNotFound or
// ErrNotMember.
func (s *State) CheckReadable(user string) *Error {
	return checkMember(s.Created, s.IsMember(user))
}

// Unread is how many items user has not read.
func (s *State) Unread(user string) uint64 { return Unread(s.Read[user], s.LatestSeq) }

// Posted returns the seq of the stored message that user sent with
// clientMsgID, if it is among that sender's last DedupPerSender messages
// in the chat.
func (s *State) Posted(user, clientMsgID string) (uint64, bool) {
	return s.dedup.get(user, clientMsgID)
}

// Apply folds one event of this chat's stream, stored at revision rev,
// into the state. It is deterministic and does no I/O; the rules are those
// of fold. Events of other types only move Revision.
func (s *State) Apply(ev events.Event, rev uint64) {
	s.Revision = rev
	fold(s, ev)
}

// Advance applies the events of rd once they are durable, the first at
// stream revision first and the rest after it, as raft's Advance tells the
// node a Ready has been handled.
func (s *State) Advance(rd Ready, first uint64) {
	for i, e := range rd.Events {
		s.Apply(e.Event, first+uint64(i))
	}
}

// State is a folder; see fold.
func (s *State) created(e events.ChatCreated) {
	s.Created = true
	s.Title = e.Title
	s.Members = slices.Clone(e.Members)
	s.CreatedBy = e.CreatedBy
	for _, m := range e.Members {
		s.Read[m] = 0
	}
}

func (s *State) item(it Item)                       { s.Timeline.add(it.Seq, s.Revision) }
func (s *State) pointer(user string) uint64         { return s.Read[user] }
func (s *State) setPointer(user string, seq uint64) { s.Read[user] = seq }
func (s *State) posted(m events.MessagePosted)      { s.dedup.add(m.Sender, m.ClientMsgID, m.Seq) }
