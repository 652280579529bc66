package actors

import (
	"context"
	"fmt"

	"github.com/linkup-chat/linkup/events"
)

// FoldChat rebuilds a chat's state from a sequence of its recorded events,
// stopping before the first event for which stop returns true (nil: fold
// everything). Live chat actors and replay both use it.
func FoldChat(chatID string, recs func(yield func(events.RecordedEvent, error) bool), stop func(events.RecordedEvent) bool) (*ChatState, error) {
	s := NewChatState(chatID)
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

// ApplyRecorded decodes rec and applies it. Events of unknown types are
// skipped (a newer node may write types this one does not know); corrupt
// events are an error.
func (s *ChatState) ApplyRecorded(rec events.RecordedEvent) error {
	if !events.Known(rec.Type) {
		s.Revision = rec.Revision
		return nil
	}
	ev, err := events.Decode(rec)
	if err != nil {
		return fmt.Errorf("actors: fold chat %s: %w", s.ChatID, err)
	}
	s.Apply(rec, ev)
	return nil
}

// LoadChat reads a chat's whole stream from store and folds it. A missing
// stream yields an empty (not Created) state. It is called from loader
// goroutines and from replay, never inside an actor's Receive.
func LoadChat(ctx context.Context, store events.Store, chatID string) (*ChatState, error) {
	s, err := FoldChat(chatID, store.ReadStream(ctx, events.ChatStream(chatID), events.ReadStreamOptions{}), nil)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	return s, nil
}
