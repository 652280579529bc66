package actors

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/linkup-chat/linkup/events"
)

// Domain limits. Each is enforced by the decide functions and answered with
// CodeInvalidPayload.
const (
	MaxBodyBytes   = 16 << 10
	MaxTitleBytes  = 256
	MaxMembers     = 1000
	MaxIDBytes     = 128
	MaxClientMsgID = 128
)

// DecideCreate validates a create_chat by user `by` and returns the
// ChatCreated event. The creator is always a member; members are
// de-duplicated and keep their order, creator first.
func DecideCreate(s *ChatState, title string, members []string, by string, now time.Time) (events.ChatCreated, error) {
	if s.Created {
		return events.ChatCreated{}, ErrChatExists
	}
	if err := validateChatID(s.ChatID); err != nil {
		return events.ChatCreated{}, err
	}
	if len(title) > MaxTitleBytes {
		return events.ChatCreated{}, Errorf(CodeInvalidPayload, "title is longer than %d bytes", MaxTitleBytes)
	}
	all, err := memberList(by, members)
	if err != nil {
		return events.ChatCreated{}, err
	}
	return events.ChatCreated{ChatID: s.ChatID, Title: title, Members: all, CreatedBy: by, At: now.UTC()}, nil
}

func memberList(by string, members []string) ([]string, error) {
	all := []string{by}
	for _, m := range members {
		if m == "" || len(m) > MaxIDBytes {
			return nil, Errorf(CodeInvalidPayload, "members: each user id must be 1 to %d bytes", MaxIDBytes)
		}
		if !slices.Contains(all, m) {
			all = append(all, m)
		}
	}
	if len(all) > MaxMembers {
		return nil, Errorf(CodeInvalidPayload, "members: at most %d per chat", MaxMembers)
	}
	return all, nil
}

func validateChatID(id string) error {
	if id == "" || len(id) > MaxIDBytes || !utf8.ValidString(id) {
		return Errorf(CodeInvalidPayload, "chat_id must be 1 to %d bytes of UTF-8", MaxIDBytes)
	}
	return nil
}

// PostInput is what DecidePost needs beyond the state: the sender's
// request, the seq the message gets if stored, a fresh message id and now.
type PostInput struct {
	Sender, ClientMsgID, Body string
	NextSeq                   uint64
	MessageID                 string
	Now                       time.Time
}

// DecidePost validates a send_message and returns the MessagePosted event.
// For a message the chat already stored with the same (sender,
// client_msg_id) it returns dup set and an event carrying only the chat,
// seq, sender and client_msg_id of the original: it must not be stored
// again, and the original ack is read back by seq.
func DecidePost(s *ChatState, in PostInput) (ev events.MessagePosted, dup bool, err error) {
	if err := checkMember(s, in.Sender); err != nil {
		return ev, false, err
	}
	if err := validateBody(in.Body, in.ClientMsgID); err != nil {
		return ev, false, err
	}
	if seq, ok := s.Posted(in.Sender, in.ClientMsgID); ok {
		return events.MessagePosted{ChatID: s.ChatID, Seq: seq, Sender: in.Sender, ClientMsgID: in.ClientMsgID}, true, nil
	}
	return events.MessagePosted{ChatID: s.ChatID, Seq: in.NextSeq, MessageID: in.MessageID, Sender: in.Sender,
		Body: in.Body, ClientMsgID: in.ClientMsgID, SentAt: in.Now.UTC()}, false, nil
}

func validateBody(body, clientMsgID string) error {
	switch {
	case clientMsgID == "" || len(clientMsgID) > MaxClientMsgID:
		return Errorf(CodeInvalidPayload, "client_msg_id must be 1 to %d bytes", MaxClientMsgID)
	case body == "":
		return Errorf(CodeInvalidPayload, "body must not be empty")
	case len(body) > MaxBodyBytes:
		return Errorf(CodeInvalidPayload, "body is longer than %d bytes", MaxBodyBytes)
	}
	return nil
}

func checkMember(s *ChatState, user string) error {
	if !s.Created {
		return ErrChatNotFound
	}
	if !s.IsMember(user) {
		return ErrNotMember
	}
	return nil
}

// DecideRead moves user's read pointer toward seq: clamped to the latest
// message, never backwards. changed is false (and no event is to be stored)
// when the pointer would not move; ev.LastReadSeq is the resulting pointer
// either way.
func DecideRead(s *ChatState, user string, seq uint64, now time.Time) (ev events.ChatRead, changed bool, err error) {
	if err := checkMember(s, user); err != nil {
		return ev, false, err
	}
	target := min(seq, s.LatestSeq)
	cur := s.Read[user]
	ev = events.ChatRead{ChatID: s.ChatID, User: user, LastReadSeq: max(cur, target), At: now.UTC()}
	return ev, target > cur, nil
}

// CheckReadable reports whether user may read the chat (history, sync,
// typing): the chat exists and user is a member.
func CheckReadable(s *ChatState, user string) error { return checkMember(s, user) }
