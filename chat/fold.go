package chat

import (
	"fmt"

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
	posted(m events.MessagePosted)
}

var (
	_ folder = (*State)(nil)
	_ folder = (*view)(nil)
)

// fold applies ev to f. The rules:
//   - ChatCreated sets title and members (the creator is among them), each
//     with a read pointer at 0;
//   - an event that adds a timeline item (ItemOf) raises the latest seq;
//   - an event that moves a read pointer (ReadMove: a ChatRead, and a
//     MessagePosted for its sender) raises it, never back (RaiseRead);
//   - a MessagePosted is remembered by (sender, client_msg_id).
func fold(f folder, ev events.Event) {
	if c, ok := ev.(events.ChatCreated); ok {
		f.created(c)
	}
	if it, ok := ItemOf(ev); ok {
		f.item(it)
	}
	if user, seq, ok := ReadMove(ev); ok {
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
