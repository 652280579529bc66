package projections

import (
	"slices"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// ReadStates projects chats' latest seq and members' read pointers.
//
// The rules are package chat's, the ones the chat actor applies; this
// projection only stores what they give:
//   - membership comes from ChatCreated.Members (the creator is in it),
//     each with a read state at 0, then MembersAdded (a new member's read
//     state starts at the item's seq, chat.Joined) and MemberRemoved (the
//     read state goes); only members have read states;
//   - the items that do not count as unread (chat.Uncounted: items other
//     than messages, deleted messages) are recorded, and unread is
//     chat.UnreadItems;
//   - a chat's latest seq is raised by each timeline item (chat.ItemOf,
//     chat.RaiseLatest);
//   - the pointer an event moves (chat.ReadMove: a ChatRead's user, a
//     MessagePosted's sender) is raised by chat.RaiseRead, never back;
//   - unread is chat.Unread.
type ReadStates struct{}

var _ Projection = ReadStates{}

func (ReadStates) Name() string { return NameReadStates }

func (r ReadStates) Handles(t string) bool { return slices.Contains(r.EventTypes(), t) }

func (ReadStates) EventTypes() []string {
	return []string{events.TypeChatCreated, events.TypeMessagePosted, events.TypeChatRead,
		events.TypeMembersAdded, events.TypeMemberRemoved, events.TypeMessageEdited, events.TypeMessageDeleted}
}

// Apply applies one chat event. Poison: data that does not decode, an
// empty chat id or user, seq 0, a message in a chat never created, a read
// by someone who is not a member.
func (ReadStates) Apply(tx Tx, rec events.RecordedEvent) error {
	switch rec.Type {
	case events.TypeChatCreated:
		return applyChatCreated(tx, rec)
	case events.TypeMessagePosted:
		return applyMessagePosted(tx, rec)
	case events.TypeChatRead:
		return applyChatRead(tx, rec)
	case events.TypeMembersAdded, events.TypeMemberRemoved, events.TypeMessageEdited, events.TypeMessageDeleted:
		return applyTimelineChange(tx, rec)
	}
	return nil
}

// applyTimelineChange applies a v1.1 item: membership, edit or deletion.
// Poison: data that does not decode, an empty chat id, seq 0, a chat
// never created.
func applyTimelineChange(tx Tx, rec events.RecordedEvent) error {
	ev, err := decodeApplied(rec)
	if err != nil {
		return poison("%v", err)
	}
	it, _ := chat.ItemOf(ev)
	chatID := chatOfItem(it)
	if chatID == "" || it.Seq == 0 {
		return poison("%s without chat_id or seq", rec.Type)
	}
	known, err := raiseLatest(tx, chatID, ev)
	if err != nil || !known {
		return orPoison(err, "%s in unknown chat %q", rec.Type, chatID)
	}
	for _, seq := range chat.Uncounted(ev) {
		if err := tx.Uncount(chatID, seq); err != nil {
			return err
		}
	}
	switch e := ev.(type) {
	case events.MembersAdded:
		return joinChat(tx, chatID, e.Users, e.Seq)
	case events.MemberRemoved:
		return tx.LeaveChat(chatID, e.User)
	}
	return nil
}

// joinChat gives each user not yet a member a read state at
// chat.Joined(seq).
func joinChat(tx Tx, chatID string, users []string, seq uint64) error {
	for _, u := range users {
		_, member, err := tx.ReadPointer(chatID, u)
		if err != nil {
			return err
		}
		if !member {
			if err := tx.JoinChat(chatID, u, chat.Joined(seq)); err != nil {
				return err
			}
		}
	}
	return nil
}

func chatOfItem(it chat.Item) string {
	switch e := it.Event.(type) {
	case events.MembersAdded:
		return e.ChatID
	case events.MemberRemoved:
		return e.ChatID
	case events.MessageEdited:
		return e.ChatID
	case events.MessageDeleted:
		return e.ChatID
	}
	return ""
}

func applyChatCreated(tx Tx, rec events.RecordedEvent) error {
	ev, err := decode[events.ChatCreated](rec)
	if err != nil {
		return err
	}
	if ev.ChatID == "" {
		return poison("ChatCreated without chat_id")
	}
	return tx.AddChat(ev.ChatID, ev.Members)
}

func applyMessagePosted(tx Tx, rec events.RecordedEvent) error {
	ev, err := decode[events.MessagePosted](rec)
	if err != nil {
		return err
	}
	if ev.ChatID == "" || ev.Seq == 0 {
		return poison("MessagePosted without chat_id or seq")
	}
	known, err := raiseLatest(tx, ev.ChatID, ev)
	if err != nil || !known {
		return orPoison(err, "MessagePosted in unknown chat %q", ev.ChatID)
	}
	_, err = movePointer(tx, ev.ChatID, ev) // a non-member sender has no read state
	return err
}

func applyChatRead(tx Tx, rec events.RecordedEvent) error {
	ev, err := decode[events.ChatRead](rec)
	if err != nil {
		return err
	}
	if ev.ChatID == "" || ev.User == "" {
		return poison("ChatRead without chat_id or user")
	}
	member, err := movePointer(tx, ev.ChatID, ev)
	if err != nil || !member {
		return orPoison(err, "ChatRead by %q, not a member of chat %q", ev.User, ev.ChatID)
	}
	return nil
}

// raiseLatest raises the chat's latest seq by the timeline item ev adds.
// It reports false when the chat is unknown.
func raiseLatest(tx Tx, chatID string, ev events.Event) (bool, error) {
	latest, known, err := tx.LatestSeq(chatID)
	if err != nil || !known {
		return known, err
	}
	if it, ok := chat.ItemOf(ev); ok {
		return true, tx.SetLatestSeq(chatID, chat.RaiseLatest(latest, it.Seq))
	}
	return true, nil
}

// movePointer raises the read pointer ev moves. It reports false when that
// user has no read state in the chat (not a member).
func movePointer(tx Tx, chatID string, ev events.Event) (bool, error) {
	user, seq, ok := chat.ReadMove(ev)
	if !ok {
		return true, nil
	}
	cur, member, err := tx.ReadPointer(chatID, user)
	if err != nil || !member {
		return member, err
	}
	return true, tx.SetReadPointer(chatID, user, chat.RaiseRead(cur, seq))
}

// orPoison returns err when set, else a poison error.
func orPoison(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return poison(format, args...)
}
