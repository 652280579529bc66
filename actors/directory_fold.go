package actors

import (
	"slices"

	"github.com/benbjohnson/immutable"

	"github.com/linkup-chat/linkup/events"
)

// kv is a string-keyed map as the directory's fold changes it: a builder
// at load (changed in place, unpublished) or a persistent map (each Set
// makes a new version, persistent).
type kv[V any] interface {
	Get(key string) (V, bool)
	Set(key string, v V)
	Delete(key string)
}

var (
	_ kv[[]string] = (*immutable.MapBuilder[string, []string])(nil)
	_ kv[[]string] = (*persistent[[]string])(nil)
)

// persistent is an immutable.Map seen as a kv: m is the latest version;
// earlier versions, maybe published, never change.
type persistent[V any] struct{ m *immutable.Map[string, V] }

func (p *persistent[V]) Get(key string) (V, bool) { return p.m.Get(key) }
func (p *persistent[V]) Set(key string, v V)      { p.m = p.m.Set(key, v) }
func (p *persistent[V]) Delete(key string)        { p.m = p.m.Delete(key) }

// dirFold applies membership events to the directory's maps. The slices
// it stores are never changed afterwards (a change stores a new slice), so
// a published version's slices can be handed out as they are.
type dirFold struct {
	chats, members kv[[]string]
	at             kv[uint64]
}

// apply follows one membership event (ChatCreated, MembersAdded,
// MemberRemoved; others are ignored), once, in its chat's seq order.
func (f dirFold) apply(ev events.Event) {
	switch e := ev.(type) {
	case events.ChatCreated:
		if _, known := f.at.Get(e.ChatID); !known {
			f.at.Set(e.ChatID, 0)
			f.add(e.ChatID, e.Members)
		}
	case events.MembersAdded:
		if f.next(e.ChatID, e.Seq) {
			f.add(e.ChatID, e.Users)
		}
	case events.MemberRemoved:
		if f.next(e.ChatID, e.Seq) {
			f.remove(e.ChatID, e.User)
		}
	}
}

// next reports whether seq is a membership item of chatID not applied
// yet, and records it as applied.
func (f dirFold) next(chatID string, seq uint64) bool {
	if at, ok := f.at.Get(chatID); ok && seq <= at {
		return false
	}
	f.at.Set(chatID, seq)
	return true
}

// add makes users members of chatID; the chat's list is copied once,
// however many join.
func (f dirFold) add(chatID string, users []string) {
	cur, _ := f.members.Get(chatID)
	next := slices.Clip(cur)
	for _, u := range users {
		if !slices.Contains(next, u) {
			next = append(next, u) // the first append copies: cur is never changed
			with(f.chats, u, chatID)
		}
	}
	if len(next) != len(cur) {
		f.members.Set(chatID, next)
	}
}

func (f dirFold) remove(chatID, user string) {
	without(f.members, chatID, user)
	without(f.chats, user, chatID)
}

// with appends v to key's list unless it holds it, in a new slice.
func with(l kv[[]string], key, v string) {
	cur, _ := l.Get(key)
	if !slices.Contains(cur, v) {
		l.Set(key, append(slices.Clip(cur), v))
	}
}

// without removes v from key's list, in a new slice; an emptied list goes.
func without(l kv[[]string], key, v string) {
	cur, _ := l.Get(key)
	if !slices.Contains(cur, v) {
		return
	}
	left := slices.DeleteFunc(slices.Clone(cur), func(s string) bool { return s == v })
	if len(left) == 0 {
		l.Delete(key)
		return
	}
	l.Set(key, left)
}
