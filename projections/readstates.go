package projections

import (
	"slices"

	"github.com/linkup-chat/linkup/events"
)

// ReadStates projects chats' latest seq and members' read pointers.
//
// The rules mirror the chat actor's apply in package actors (projections
// may not import actors, so they are restated here; keep both in step):
//   - membership comes only from ChatCreated.Members (the creator is in
//     it); only members have read states;
//   - a chat's latest seq is the highest MessagePosted.Seq seen;
//   - a MessagePosted moves its sender's pointer up to its seq (you have
//     read what you sent); a ChatRead moves User's pointer to
//     max(current, LastReadSeq); pointers never move back;
//   - unread = latest seq - last read seq, never negative (Unread).
type ReadStates struct{}

var _ Projection = ReadStates{}

func (ReadStates) Name() string { return NameReadStates }

func (r ReadStates) Handles(t string) bool { return slices.Contains(r.EventTypes(), t) }

func (ReadStates) EventTypes() []string {
	return []string{events.TypeChatCreated, events.TypeMessagePosted, events.TypeChatRead}
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
	}
	return nil
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
	known, err := tx.RaiseLatestSeq(ev.ChatID, ev.Seq)
	if err != nil || !known {
		return orPoison(err, "MessagePosted in unknown chat %q", ev.ChatID)
	}
	_, err = tx.RaiseReadPointer(ev.ChatID, ev.Sender, ev.Seq) // a non-member sender has no read state
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
	member, err := tx.RaiseReadPointer(ev.ChatID, ev.User, ev.LastReadSeq)
	if err != nil || !member {
		return orPoison(err, "ChatRead by %q, not a member of chat %q", ev.User, ev.ChatID)
	}
	return nil
}

// orPoison returns err when set, else a poison error.
func orPoison(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return poison(format, args...)
}

// Unread is latest - lastRead, or 0 when the pointer is at or past latest.
func Unread(latest, lastRead uint64) uint64 {
	if lastRead >= latest {
		return 0
	}
	return latest - lastRead
}
