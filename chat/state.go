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
	// Delivered maps members to their delivered pointer (v1.1: the highest
	// seq a device of theirs confirmed receiving); absent is 0.
	Delivered map[string]uint64
	// Revision is the stream revision of the last applied event, valid when
	// Created is true.
	Revision uint64
	dedup    *dedupIndex
	items    items
	// applied counts the events Apply folded into this State (Clone
	// copies it): two states built from one by the same events have the
	// same count.
	applied uint64
}

// NewState returns the state of a chat that has no events yet.
func NewState(chatID string) *State {
	return &State{ChatID: chatID, Read: map[string]uint64{}, Delivered: map[string]uint64{}, dedup: newDedupIndex(DedupPerSender)}
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

// Unread is how many messages of other users, not deleted, are above
// user's read pointer (0 for a non-member). A sender's pointer is always at
// or past their own messages (ReadMove), so counting every undeleted
// message above it counts only other users' messages.
func (s *State) Unread(user string) uint64 {
	read, ok := s.Read[user]
	if !ok {
		return 0
	}
	return UnreadItems(read, s.LatestSeq, s.items.uncountedIn(read, s.LatestSeq))
}

// Deleted reports whether the message seq is deleted, and the seq of the
// deletion.
func (s *State) Deleted(seq uint64) (uint64, bool) {
	d, ok := s.items.deleted[seq]
	return d, ok
}

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
	s.applied++
	fold(s, ev)
}

// Applied is how many events Apply has folded into s (and into the state
// s was cloned from, before the clone). The chat actor keeps a copy of
// its state in step by applying the same events to both, and tells by
// this count that nothing else was applied to either.
func (s *State) Applied() uint64 { return s.applied }

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

func (s *State) item(it Item) {
	s.Timeline.add(it.Seq, s.Revision)
	s.items.note(it)
}
func (s *State) pointer(user string) uint64           { return s.Read[user] }
func (s *State) setPointer(user string, seq uint64)   { s.Read[user] = seq }
func (s *State) dropPointer(user string)              { delete(s.Read, user); delete(s.Delivered, user) }
func (s *State) deliveredPointer(user string) uint64  { return s.Delivered[user] }
func (s *State) setDelivered(user string, seq uint64) { s.Delivered[user] = seq }
func (s *State) posted(m events.MessagePosted)        { s.dedup.add(m.Sender, m.ClientMsgID, m.Seq) }
func (s *State) member(user string) bool              { return s.IsMember(user) }
func (s *State) members() []string                    { return s.Members }
func (s *State) setMembers(m []string)                { s.Members = m }
func (s *State) deleted(target, seq uint64)           { s.items.markDeleted(target, seq) }
func (s *State) edited(e events.MessageEdited)        { s.items.markEdited(e) }
