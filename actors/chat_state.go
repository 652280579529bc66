package actors

import (
	"context"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// ChatState is a chat's state, as package chat folds it.
type ChatState = chat.State

// LoadChat reads a chat's whole stream from store and folds it with
// chat.Fold. A missing stream yields an empty (not Created) state. It is
// called from loader goroutines, never inside an actor's Receive.
func LoadChat(ctx context.Context, store events.Store, chatID string) (*ChatState, error) {
	s, err := chat.Fold(chatID, store.ReadStream(ctx, events.ChatStream(chatID), events.ReadStreamOptions{}), nil)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	return s, nil
}
