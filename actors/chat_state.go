package actors

import (
	"context"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// ChatState is a chat's state, as package chat folds it.
type ChatState = chat.State

// LoadChat reads a chat's whole stream from store and folds it as
// chat.Fold does. A missing stream yields an empty (not Created) state. It is
// called from loader goroutines, never inside an actor's Receive.
func LoadChat(ctx context.Context, store events.Store, chatID string) (*ChatState, error) {
	s, _, err := loadChat(ctx, store, chatID)
	return s, err
}

// loadChat is LoadChat that also returns where the chat's items stand in
// the log (seqMarks), as chat.Fold would fold it: each event applied by
// chat.State.ApplyRecorded, in order.
func loadChat(ctx context.Context, store events.Store, chatID string) (*ChatState, seqMarks, error) {
	var marks seqMarks
	s := chat.NewState(chatID)
	for rec, err := range store.ReadStream(ctx, events.ChatStream(chatID), events.ReadStreamOptions{}) {
		if err == nil {
			err = s.ApplyRecorded(rec)
		}
		if err != nil {
			if isNotFound(err) {
				break
			}
			return nil, marks, err
		}
		marks.stored(s.LatestSeq, rec.Position)
	}
	return s, marks, nil
}
