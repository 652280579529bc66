package actors

import (
	"context"
	"slices"
	"sync"

	"github.com/linkup-chat/linkup/events"
)

// directoryTypes are the events the directory follows.
var directoryTypes = []string{events.TypeChatCreated, events.TypeMembersAdded, events.TypeMemberRemoved}

// Directory knows which chats each user belongs to. It is derived from the
// log: loaded from every ChatCreated, MembersAdded and MemberRemoved when
// the node starts, then kept current by the node's own appends as they
// become durable (actors/chat_pipeline.go membership) and by following the
// log (for other nodes' chats); no actor writes it. Each chat's
// membership events apply in seq order once: one already applied (by the
// chat actor, before the follower sees it) is skipped, so the follower
// never undoes a later change. Safe for concurrent use; reads never touch
// storage.
type Directory struct {
	mu    sync.RWMutex
	chats map[string][]string
	// members is each chat's members (for presence: who shares a chat).
	members map[string][]string
	// at is, per chat known, the seq of the last membership item applied
	// (0: only the creation).
	at map[string]uint64
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{chats: map[string][]string{}, members: map[string][]string{}, at: map[string]uint64{}}
}

// Add records that members belong to chatID. Idempotent.
func (d *Directory) Add(chatID string, members []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.add(chatID, members)
}

func (d *Directory) add(chatID string, members []string) {
	for _, m := range members {
		if !slices.Contains(d.chats[m], chatID) {
			d.chats[m] = append(d.chats[m], chatID)
		}
		if !slices.Contains(d.members[chatID], m) {
			d.members[chatID] = append(d.members[chatID], m)
		}
	}
}

// Remove records that user no longer belongs to chatID. Idempotent.
func (d *Directory) Remove(chatID, user string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.remove(chatID, user)
}

func (d *Directory) remove(chatID, user string) {
	d.members[chatID] = slices.DeleteFunc(slices.Clone(d.members[chatID]), func(m string) bool { return m == user })
	left := slices.DeleteFunc(slices.Clone(d.chats[user]), func(id string) bool { return id == chatID })
	if len(left) == 0 {
		delete(d.chats, user)
		return
	}
	d.chats[user] = left
}

// Apply follows one membership event (ChatCreated, MembersAdded,
// MemberRemoved; others are ignored), once, in each chat's seq order.
func (d *Directory) Apply(ev events.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch e := ev.(type) {
	case events.ChatCreated:
		if _, known := d.at[e.ChatID]; !known {
			d.at[e.ChatID] = 0
			d.add(e.ChatID, e.Members)
		}
	case events.MembersAdded:
		if d.next(e.ChatID, e.Seq) {
			d.add(e.ChatID, e.Users)
		}
	case events.MemberRemoved:
		if d.next(e.ChatID, e.Seq) {
			d.remove(e.ChatID, e.User)
		}
	}
}

// ApplyAll applies evs in order.
func (d *Directory) ApplyAll(evs []events.Event) {
	for _, ev := range evs {
		d.Apply(ev)
	}
}

// next reports whether seq is a membership item of chatID not applied
// yet, and records it as applied.
func (d *Directory) next(chatID string, seq uint64) bool {
	if at, ok := d.at[chatID]; ok && seq <= at {
		return false
	}
	d.at[chatID] = seq
	return true
}

// ChatsOf returns a copy of user's chat ids, in the order they were joined.
func (d *Directory) ChatsOf(user string) []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return slices.Clone(d.chats[user])
}

// Audience returns the users who share a chat of at most maxMembers
// members with user (user excluded), at most maxUsers of them; truncated
// is set when there were more. It bounds the fan-out of one presence
// change.
func (d *Directory) Audience(user string, maxMembers, maxUsers int) (users []string, truncated bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	seen := map[string]bool{user: true}
	for _, c := range d.chats[user] {
		if len(d.members[c]) > maxMembers {
			continue
		}
		for _, m := range d.members[c] {
			if seen[m] {
				continue
			}
			if len(users) == maxUsers {
				return users, true
			}
			seen[m] = true
			users = append(users, m)
		}
	}
	return users, false
}

// SharesChat reports whether a and b are members of a common chat.
func (d *Directory) SharesChat(a, b string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, c := range d.chats[a] {
		if slices.Contains(d.members[c], b) {
			return true
		}
	}
	return false
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

// Load folds every membership event in store into d and returns the
// position it read up to. Called once at start-up, before the node accepts
// connections.
func (d *Directory) Load(ctx context.Context, store events.Store) (uint64, error) {
	var last uint64
	opts := events.ReadAllOptions{Filter: events.Filter{EventTypes: directoryTypes}}
	for rec, err := range store.ReadAll(ctx, opts) {
		if err != nil {
			return last, err
		}
		last = rec.Position
		d.apply(rec)
	}
	return last, nil
}

// Follow keeps d current with membership changes after position after, by
// any node sharing the store, until ctx ends. Run it on its own goroutine.
func (d *Directory) Follow(ctx context.Context, store events.Store, after uint64) {
	opts := events.SubscribeOptions{After: after, Filter: events.Filter{EventTypes: directoryTypes}}
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
		return // a corrupt event is skipped; its chat actor reports it on load
	}
	d.Apply(ev)
}
