package actors

import (
	"slices"

	"github.com/linkup-chat/linkup/events"
)

// ChatState is a chat as folded from its stream by Apply. The live chat
// actor and `linkup replay state` both build it with Apply, so replay never
// re-implements domain logic.
type ChatState struct {
	ChatID    string
	Title     string
	Members   []string
	CreatedBy string
	Created   bool
	// LatestSeq is the seq of the newest message (0: none yet).
	LatestSeq uint64
	// Read maps each member to their read pointer.
	Read map[string]uint64
	// Revision is the stream revision of the last applied event, valid when
	// Created is true.
	Revision uint64
	// seqRev[i] is the stream revision of message seq i*seqRevEvery+1, so
	// history and sync can start reading old messages from the store close
	// to where they are (8 bytes per seqRevEvery messages, not per message).
	seqRev []uint64
	dedup  *dedupIndex
}

// NewChatState returns the state of a chat that has no events yet.
func NewChatState(chatID string) *ChatState {
	return &ChatState{ChatID: chatID, Read: map[string]uint64{}, dedup: newDedupIndex(dedupPerSender)}
}

// IsMember reports whether user belongs to the chat.
func (s *ChatState) IsMember(user string) bool {
	return slices.Contains(s.Members, user)
}

// Unread is how many messages user has not read.
func (s *ChatState) Unread(user string) uint64 {
	return s.LatestSeq - min(s.Read[user], s.LatestSeq)
}

// seqRevEvery is how many messages share one entry of the seq index.
const seqRevEvery = 64

// RevisionOfSeq returns a stream revision at or before message seq: reading
// forward from it reaches seq within seqRevEvery messages.
func (s *ChatState) RevisionOfSeq(seq uint64) (uint64, bool) {
	if seq == 0 || seq > s.LatestSeq {
		return 0, false
	}
	i := (seq - 1) / seqRevEvery
	if i >= uint64(len(s.seqRev)) {
		return 0, false
	}
	return s.seqRev[i], true
}

// Apply folds one recorded event of this chat's stream into the state. It
// is deterministic and does no I/O. Rules:
//   - ChatCreated sets title and members (the creator is among them);
//   - MessagePosted sets LatestSeq and moves its sender's read pointer up to
//     its seq (you have read what you sent);
//   - ChatRead moves the user's pointer to max(current, LastReadSeq).
//
// Events of other types are ignored.
func (s *ChatState) Apply(rec events.RecordedEvent, ev events.Event) {
	switch e := ev.(type) {
	case events.ChatCreated:
		s.applyCreated(e)
	case events.MessagePosted:
		s.applyPosted(e, rec.Revision)
	case events.ChatRead:
		s.advanceRead(e.User, e.LastReadSeq)
	}
	s.Revision = rec.Revision
}

func (s *ChatState) applyCreated(e events.ChatCreated) {
	s.Created = true
	s.Title = e.Title
	s.Members = slices.Clone(e.Members)
	s.CreatedBy = e.CreatedBy
	for _, m := range e.Members {
		s.Read[m] = 0
	}
}

func (s *ChatState) applyPosted(e events.MessagePosted, rev uint64) {
	s.LatestSeq = max(s.LatestSeq, e.Seq)
	if (e.Seq-1)%seqRevEvery == 0 {
		s.seqRev = append(s.seqRev, rev)
	}
	s.advanceRead(e.Sender, e.Seq)
	s.dedup.add(e.Sender, e.ClientMsgID, e.Seq)
}

func (s *ChatState) advanceRead(user string, seq uint64) {
	if seq > s.Read[user] {
		s.Read[user] = min(seq, s.LatestSeq)
	}
}

// Posted returns the seq of the stored message that user sent with
// clientMsgID, if it is among that sender's last dedupPerSender messages
// in the chat.
func (s *ChatState) Posted(user, clientMsgID string) (uint64, bool) {
	return s.dedup.get(user, clientMsgID)
}
