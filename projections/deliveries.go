package projections

import (
	"slices"
	"time"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// Deliveries projects what GET /v1/deliveries answers: for each timeline
// item of a chat, its time; the chat's membership as intervals of seqs; and
// each user's delivered and read marks, so that "did user X get item Y,
// and when" is read from a few rows (PROTOCOL.md section 6).
//
// It means what `linkup replay audit` means (replay/audit.go), which reads
// the same events from the log:
//   - the members at an item are those after the item is applied: a member
//     from ChatCreated (from seq 0) or MembersAdded (from its seq) until a
//     MemberRemoved (at its seq, the removed user is no longer one);
//   - an item's time is its event's time (MessagePosted.sent_at, else at;
//     the store's time when absent);
//   - delivered: the first MessagesDelivered of the user with
//     delivered_seq at or past the item, with its time and connection;
//   - read: the first read move of the user (chat.ReadMove: a ChatRead, or
//     a message of theirs) at or past the item, with its time; a
//     message's sender has read it when it was posted.
//
// Only the events that raise a user's highest delivered (or read) seq in
// the chat are kept as marks (chat.RaiseRead): the first event at or past
// seq N is always one of them, since every earlier event of the user was
// below N. Delivery and read pointers are clamped to the chat's latest seq
// by package chat, so no mark precedes the item it covers.
type Deliveries struct{}

var _ Projection = Deliveries{}

// NameDeliveries is the deliveries projection (and its checkpoint name).
const NameDeliveries = "deliveries"

func (Deliveries) Name() string { return NameDeliveries }

func (d Deliveries) Handles(t string) bool { return slices.Contains(d.EventTypes(), t) }

func (Deliveries) EventTypes() []string {
	return []string{events.TypeChatCreated, events.TypeMessagePosted, events.TypeChatRead,
		events.TypeMembersAdded, events.TypeMemberRemoved, events.TypeMessageEdited,
		events.TypeMessageDeleted, events.TypeMessagesDelivered}
}

// Apply applies one chat event. Poison: data that does not decode, an
// empty chat id or user, seq 0, an event of a chat never created.
func (Deliveries) Apply(tx Tx, rec events.RecordedEvent) error {
	ev, err := decodeApplied(rec)
	if err != nil {
		return poison("%v", err)
	}
	if c, ok := ev.(events.ChatCreated); ok {
		if c.ChatID == "" {
			return poison("ChatCreated without chat_id")
		}
		return tx.AddDeliveryChat(c.ChatID, c.Members)
	}
	chatID := deliveryChatOf(ev)
	if chatID == "" {
		return poison("%s without chat_id", rec.Type)
	}
	known, err := tx.DeliveryChatKnown(chatID)
	if err != nil || !known {
		return orPoison(err, "%s in unknown chat %q", rec.Type, chatID)
	}
	at := eventAt(ev, rec.Time)
	if it, ok := chat.ItemOf(ev); ok {
		if err := applyItem(tx, chatID, it, at); err != nil {
			return err
		}
	}
	if user, upTo, ok := chat.ReadMove(ev); ok {
		_, own := ev.(events.MessagePosted)
		if err := raiseMark(tx, DeliveryMark{Kind: MarkRead, ChatID: chatID, User: user, UpTo: upTo, At: at, Own: own}); err != nil {
			return err
		}
	}
	if d, ok := ev.(events.MessagesDelivered); ok {
		return raiseMark(tx, DeliveryMark{Kind: MarkDelivered, ChatID: chatID, User: d.User, UpTo: d.DeliveredSeq,
			At: at, ConnectionID: d.ConnectionID})
	}
	return nil
}

// applyItem records a timeline item and the membership change it makes.
func applyItem(tx Tx, chatID string, it chat.Item, at time.Time) error {
	if it.Seq == 0 {
		return poison("timeline item of chat %q without seq", chatID)
	}
	if err := tx.AddDeliveryItem(chatID, it.Seq, at); err != nil {
		return err
	}
	switch e := it.Event.(type) {
	case events.MembersAdded:
		for _, u := range e.Users {
			if err := tx.JoinDeliveryMember(chatID, u, e.Seq); err != nil {
				return err
			}
		}
	case events.MemberRemoved:
		return tx.LeaveDeliveryMember(chatID, e.User, e.Seq)
	}
	return nil
}

// raiseMark keeps m when it raises the user's highest mark of its kind.
func raiseMark(tx Tx, m DeliveryMark) error {
	if m.User == "" {
		return poison("%s mark in chat %q without user", m.Kind, m.ChatID)
	}
	cur, err := tx.LastDeliveryMark(m.Kind, m.ChatID, m.User)
	if err != nil {
		return err
	}
	if chat.RaiseRead(cur, m.UpTo) == cur {
		return nil
	}
	return tx.AddDeliveryMark(m)
}

func deliveryChatOf(ev events.Event) string {
	switch e := ev.(type) {
	case events.MessagePosted:
		return e.ChatID
	case events.ChatRead:
		return e.ChatID
	case events.MessagesDelivered:
		return e.ChatID
	}
	if it, ok := chat.ItemOf(ev); ok {
		return chatOfItem(it)
	}
	return ""
}

// eventAt is the time an event carries (what replay shows), else the
// store's.
func eventAt(ev events.Event, stored time.Time) time.Time {
	var at time.Time
	switch e := ev.(type) {
	case events.MessagePosted:
		at = e.SentAt
	case events.ChatRead:
		at = e.At
	case events.MessagesDelivered:
		at = e.At
	case events.MembersAdded:
		at = e.At
	case events.MemberRemoved:
		at = e.At
	case events.MessageEdited:
		at = e.At
	case events.MessageDeleted:
		at = e.At
	}
	if at.IsZero() {
		return stored
	}
	return at
}
