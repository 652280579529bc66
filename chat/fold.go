package chat

import (
	"fmt"
	"slices"

	"github.com/linkup-chat/linkup/events"
)

// folder is what events fold into: a State, or the view of a batch that
// Decide is deciding. Both fold with the one function fold, so a batch is
// decided against exactly what its events will make of the state.
type folder interface {
	created(e events.ChatCreated)
	item(it Item)
	pointer(user string) uint64
	setPointer(user string, seq uint64)
	dropPointer(user string)
	posted(m events.MessagePosted)
	member(user string) bool
	members() []string
	setMembers(m []string)
	deleted(target, seq uint64)
	edited(e events.MessageEdited)
	deliveredPointer(user string) uint64
	setDelivered(user string, seq uint64)
}

var (
	_ folder = (*State)(nil)
	_ folder = (*view)(nil)
)

// fold applies ev to f. The rules:
//   - ChatCreated sets title and members (the creator is among them), each
//     with a read pointer at 0;
//   - MembersAdded adds its users (once each, in order, after the
//     members), each new one with a read pointer at the item's seq
//     (Joined); MemberRemoved takes its user out, read pointer and all;
//   - MessageEdited is the latest body of its target unless that is
//     deleted; MessageDeleted marks its target deleted (the first
//     deletion counts) and drops its edits;
//   - an event that adds a timeline item (ItemOf) raises the latest seq;
//   - an event that moves a member's read pointer (ReadMove: a ChatRead,
//     and a MessagePosted for its sender) raises it, never back
//     (RaiseRead); a non-member has no pointer to move;
//   - a MessagesDelivered raises its member's delivered pointer, never
//     back;
//   - a MessagePosted is remembered by (sender, client_msg_id).
func fold(f folder, ev events.Event) {
	switch e := ev.(type) {
	case events.ChatCreated:
		f.created(e)
	case events.MembersAdded:
		for _, u := range e.Users {
			if !f.member(u) {
				f.setMembers(append(slices.Clip(f.members()), u))
				f.setPointer(u, Joined(e.Seq))
			}
		}
	case events.MemberRemoved:
		if f.member(e.User) {
			f.setMembers(slices.DeleteFunc(slices.Clone(f.members()), func(m string) bool { return m == e.User }))
			f.dropPointer(e.User)
		}
	case events.MessageEdited:
		f.edited(e)
	case events.MessageDeleted:
		f.deleted(e.TargetSeq, e.Seq)
	case events.MessagesDelivered:
		if cur := f.deliveredPointer(e.User); f.member(e.User) && RaiseRead(cur, e.DeliveredSeq) != cur {
			f.setDelivered(e.User, e.DeliveredSeq)
		}
	}
	if it, ok := ItemOf(ev); ok {
		f.item(it)
	}
	if user, seq, ok := ReadMove(ev); ok && f.member(user) {
		if cur := f.pointer(user); RaiseRead(cur, seq) != cur {
			f.setPointer(user, RaiseRead(cur, seq))
		}
	}
	if m, ok := ev.(events.MessagePosted); ok {
		f.posted(m)
	}
}

// ApplyRecorded decodes rec and applies it. Events of unknown types are
// skipped (a newer node may write types this one does not know); corrupt
// events are an error.
func (s *State) ApplyRecorded(rec events.RecordedEvent) error {
	if !events.Known(rec.Type) {
		s.Revision = rec.Revision
		return nil
	}
	ev, err := events.Decode(rec)
	if err != nil {
		return fmt.Errorf("chat: fold %s: %w", s.ChatID, err)
	}
	s.Apply(ev, rec.Revision)
	return nil
}

// Fold rebuilds a chat's state from a sequence of its recorded events,
// stopping before the first event for which stop returns true (nil: fold
// everything). The live chat actor (loading a chat) and replay both use it.
func Fold(chatID string, recs func(yield func(events.RecordedEvent, error) bool), stop func(events.RecordedEvent) bool) (*State, error) {
	s := NewState(chatID)
	for rec, err := range recs {
		if err != nil {
			return s, err
		}
		if stop != nil && stop(rec) {
			break
		}
		if err := s.ApplyRecorded(rec); err != nil {
			return s, err
		}
	}
	return s, nil
}
