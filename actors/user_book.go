package actors

import (
	"hash/maphash"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// userShards is how many shard actors run the node's users: enough that
// users on different shards rarely wait for one another, few enough that
// the shards cost nothing next to the connections.
const userShards = 64

// userBook holds the state of every user online on this node (a
// connection open here, or the presence grace of the last one running):
// a userActor each, a plain struct of 64 bytes. One shard
// actor per shard runs the handlers of its users one message at a time,
// in the order they were sent, as a user actor of its own would; an
// actor per user cost about 800 bytes more per connection (Proto.Actor's
// process, context, mailbox and process-registry entry, issue #17).
//
// A user's entry is made by the first send to them (send, under the
// shard's write lock) and removed by their shard actor when they are
// offline with nothing to hold (retire); a message that reaches the shard
// after its user retired is handled by a new entry, as a retired actor
// forwarded it to its successor (see forwarded). Safe for concurrent use.
type userBook struct {
	node   *Node
	seed   maphash.Seed
	shards [userShards]userShard
}

type userShard struct {
	mu    sync.RWMutex
	users map[string]*userActor
	pid   *actor.PID
}

// userMsg is a message to one user, posted to their shard actor.
type userMsg struct {
	User string
	Msg  any
}

// userShardActor runs the users of one shard.
type userShardActor struct {
	book  *userBook
	shard *userShard
}

func newUserBook(n *Node) *userBook {
	b := &userBook{node: n, seed: maphash.MakeSeed()}
	for i := range b.shards {
		s := &b.shards[i]
		s.users = map[string]*userActor{}
		s.pid = n.kinds.user.spawn(n.system.Root, &userShardActor{book: b, shard: s})
	}
	return b
}

func (b *userBook) shard(id string) *userShard {
	return &b.shards[maphash.String(b.seed, id)%userShards]
}

// send hands msg to user id, making their entry if they have none.
func (b *userBook) send(id string, msg any, deliver func(*actor.PID, any)) {
	s := b.shard(id)
	s.mu.RLock()
	_, ok := s.users[id]
	s.mu.RUnlock()
	if !ok {
		s.mu.Lock()
		if _, ok := s.users[id]; !ok {
			s.users[id] = newUserActor()
		}
		s.mu.Unlock()
	}
	deliver(s.pid, userMsg{User: id, Msg: msg})
}

// sendIfPresent hands msg to user id if they have an entry (are online
// here), and reports whether they had.
func (b *userBook) sendIfPresent(id string, msg any, deliver func(*actor.PID, any)) bool {
	s := b.shard(id)
	s.mu.RLock()
	_, ok := s.users[id]
	s.mu.RUnlock()
	if ok {
		deliver(s.pid, userMsg{User: id, Msg: msg})
	}
	return ok
}

// get returns the actor that runs user id, if they are online here.
func (b *userBook) get(id string) (*actor.PID, bool) {
	s := b.shard(id)
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.users[id]
	return s.pid, ok
}

// len counts the users online here.
func (b *userBook) len() int {
	n := 0
	for i := range b.shards {
		s := &b.shards[i]
		s.mu.RLock()
		n += len(s.users)
		s.mu.RUnlock()
	}
	return n
}

// Receive hands each message to its user's state, making one if the
// user retired after the message was sent (as forwarded does for a
// retired actor: not for acks or lifecycle messages).
func (a *userShardActor) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(userMsg)
	if !ok {
		return // lifecycle, or panicked: the state of every user is kept
	}
	a.shard.mu.RLock()
	u := a.shard.users[m.User]
	a.shard.mu.RUnlock()
	if u == nil {
		switch m.Msg.(type) {
		case deliverAck, userReleased:
			return
		}
		a.shard.mu.Lock()
		if u = a.shard.users[m.User]; u == nil {
			u = newUserActor()
			a.shard.users[m.User] = u
		}
		a.shard.mu.Unlock()
	}
	u.receive(userRun{n: a.book.node, id: m.User, ctx: ctx}, m.Msg)
}

// retire removes u, offline with nothing to hold, unless a connection of
// theirs is being let in (admitted); only its shard actor calls it. The
// next message to the user makes a new entry.
func (b *userBook) retire(id string, u *userActor) {
	s := b.shard(id)
	s.mu.Lock()
	if s.users[id] == u && u.admitted == 0 {
		delete(s.users, id)
	}
	s.mu.Unlock()
}

// userReleased: the last connection of the user the transport had let in
// was let go (userBook.release); their entry may retire.
type userReleased struct{}

// admit counts one more connection of user id, made by the transport,
// unless they have max already (then it reports false). The count lives
// in the user's entry (made if need be, kept while it is above zero), so
// it costs nothing beside it (issue #17: a map of counts by user cost ~50
// bytes per user).
func (b *userBook) admit(id string, max int) bool {
	if max <= 0 {
		return false
	}
	s := b.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		u = newUserActor()
		s.users[id] = u
	}
	if int(u.admitted) >= max {
		return false
	}
	u.admitted++
	return true
}

// release undoes one admit of user id. Their entry is told when the count
// reaches zero (through deliver), so that it retires if offline.
func (b *userBook) release(id string, deliver func(*actor.PID, any)) {
	s := b.shard(id)
	s.mu.Lock()
	u := s.users[id]
	if u == nil || u.admitted == 0 {
		s.mu.Unlock()
		return
	}
	u.admitted--
	last := u.admitted == 0
	s.mu.Unlock()
	if last {
		deliver(s.pid, userMsg{User: id, Msg: userReleased{}})
	}
}

// admitted counts user id's connections let in and not let go.
func (b *userBook) admitted(id string) int {
	s := b.shard(id)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if u := s.users[id]; u != nil {
		return int(u.admitted)
	}
	return 0
}
