package actors

import (
	"context"
	"slices"

	"github.com/benbjohnson/immutable"

	"github.com/linkup-chat/linkup/events"
)

// directoryTypes are the events the directory follows.
var directoryTypes = []string{events.TypeChatCreated, events.TypeMembersAdded, events.TypeMemberRemoved}

// Directory is one version of which chats each user belongs to, derived
// from the log's ChatCreated, MembersAdded and MemberRemoved. A Directory
// is immutable: a change makes a new version (With) that shares all it
// did not change with the old one (persistent hash tries,
// benbjohnson/immutable), so a version once published is read by any
// number of actors at once, without a lock, and never changes under them.
// Only the directory's owner (directory_owner.go) makes versions; actors
// read the latest one (dirView) and never write.
//
// Each chat's membership events apply in seq order once: one already
// applied (the node's own append, before the log follower sees it) is
// skipped, so replaying the log never undoes a later change.
type Directory struct {
	// chats is each user's chat ids, in the order they were joined.
	chats *immutable.Map[string, []string]
	// members is each chat's members (for presence: who shares a chat).
	members *immutable.Map[string, []string]
	// at is, per chat known, the seq of the last membership item applied
	// (0: only the creation).
	at *immutable.Map[string, uint64]
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{
		chats:   immutable.NewMap[string, []string](nil),
		members: immutable.NewMap[string, []string](nil),
		at:      immutable.NewMap[string, uint64](nil),
	}
}

// With returns d with evs applied in order (events other than membership
// events are ignored); d itself is unchanged.
func (d *Directory) With(evs ...events.Event) *Directory {
	chats, members, at := &persistent[[]string]{d.chats}, &persistent[[]string]{d.members}, &persistent[uint64]{d.at}
	f := dirFold{chats: chats, members: members, at: at}
	for _, ev := range evs {
		f.apply(ev)
	}
	return &Directory{chats: chats.m, members: members.m, at: at.m}
}

// ChatsOf returns user's chat ids, in the order they were joined. The
// slice is shared with the directory: callers must not modify it.
func (d *Directory) ChatsOf(user string) []string {
	chats, _ := d.chats.Get(user)
	return slices.Clip(chats)
}

// Audience returns the users who share a chat of at most maxMembers
// members with user (user excluded), at most maxUsers of them; truncated
// is set when there were more. It bounds the fan-out of one presence
// change.
func (d *Directory) Audience(user string, maxMembers, maxUsers int) (users []string, truncated bool) {
	seen := map[string]bool{user: true}
	for _, c := range d.ChatsOf(user) {
		members, _ := d.members.Get(c)
		if len(members) > maxMembers {
			continue
		}
		for _, m := range members {
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

// Known reports whether chatID was created, as far as this version knows.
func (d *Directory) Known(chatID string) bool {
	_, ok := d.at.Get(chatID)
	return ok
}

// SharesChat reports whether a and b are members of a common chat.
func (d *Directory) SharesChat(a, b string) bool {
	for _, c := range d.ChatsOf(a) {
		if members, _ := d.members.Get(c); slices.Contains(members, b) {
			return true
		}
	}
	return false
}

// Full returns the first of users who already belongs to limit chats or
// more.
func (d *Directory) Full(users []string, limit int) (string, bool) {
	for _, u := range users {
		if len(d.ChatsOf(u)) >= limit {
			return u, true
		}
	}
	return "", false
}

// LoadDirectory folds every membership event in store into a directory
// and returns it with the position it read up to. Called once at start-up,
// before the node accepts connections; the fold writes in place (builders)
// since no one reads it yet.
func LoadDirectory(ctx context.Context, store events.Store) (*Directory, uint64, error) {
	chats, members := immutable.NewMapBuilder[string, []string](nil), immutable.NewMapBuilder[string, []string](nil)
	at := immutable.NewMapBuilder[string, uint64](nil)
	f := dirFold{chats: chats, members: members, at: at}
	var last uint64
	opts := events.ReadAllOptions{Filter: events.Filter{EventTypes: directoryTypes}}
	for rec, err := range store.ReadAll(ctx, opts) {
		if err != nil {
			return nil, last, err
		}
		last = rec.Position
		if ev, err := events.Decode(rec); err == nil { // a corrupt event is skipped; its chat actor reports it on load
			f.apply(ev)
		}
	}
	return &Directory{chats: chats.Map(), members: members.Map(), at: at.Map()}, last, nil
}
