package actors

import (
	"context"
	"slices"
	"sync"

	"github.com/linkup-chat/linkup/events"
)

// Directory knows which chats each user belongs to. It is derived from the
// log: loaded from every ChatCreated when the node starts, then kept current
// by chat actors as they create chats. Safe for concurrent use; reads never
// touch storage.
type Directory struct {
	mu    sync.RWMutex
	chats map[string][]string
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory { return &Directory{chats: map[string][]string{}} }

// Add records that members belong to chatID. Idempotent.
func (d *Directory) Add(chatID string, members []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range members {
		if !slices.Contains(d.chats[m], chatID) {
			d.chats[m] = append(d.chats[m], chatID)
		}
	}
}

// ChatsOf returns a copy of user's chat ids, in the order they were joined.
func (d *Directory) ChatsOf(user string) []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return slices.Clone(d.chats[user])
}

// Full returns the first of users who already belongs to limit chats or
// more.
func (d *Directory) Full(users []string, limit int) (string, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, u := range users {
		if len(d.chats[u]) >= limit {
			return u, true
		}
	}
	return "", false
}

// Load folds every ChatCreated in store into d and returns the position it
// read up to. Called once at start-up, before the node accepts connections.
func (d *Directory) Load(ctx context.Context, store events.Store) (uint64, error) {
	var last uint64
	opts := events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{events.TypeChatCreated}}}
	for rec, err := range store.ReadAll(ctx, opts) {
		if err != nil {
			return last, err
		}
		last = rec.Position
		d.apply(rec)
	}
	return last, nil
}

// Follow keeps d current with chats created after position after, by any
// node sharing the store, until ctx ends. Run it on its own goroutine.
func (d *Directory) Follow(ctx context.Context, store events.Store, after uint64) {
	opts := events.SubscribeOptions{After: after, Filter: events.Filter{EventTypes: []string{events.TypeChatCreated}}}
	for del, err := range store.Subscribe(ctx, opts) {
		if err != nil {
			return
		}
		if del.Event != nil {
			d.apply(*del.Event)
		}
	}
}

func (d *Directory) apply(rec events.RecordedEvent) {
	ev, err := events.Decode(rec)
	if err != nil {
		return // a corrupt ChatCreated is skipped; its chat actor reports it on load
	}
	if c, ok := ev.(events.ChatCreated); ok {
		d.Add(c.ChatID, c.Members)
	}
}
