package actors

import (
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/linkup-chat/linkup/events"
)

// dirView is where the directory's owner publishes each new version: an
// atomic pointer to a Directory that is never changed after it is stored.
// Connection, user and chat actors read it (one atomic load, then a hash
// trie lookup: no lock, no message, no copy); only the owner stores it.
type dirView struct{ p atomic.Pointer[Directory] }

func newDirView() *dirView {
	v := &dirView{}
	v.p.Store(NewDirectory())
	return v
}

// Load returns the latest published version.
func (v *dirView) Load() *Directory { return v.p.Load() }

// ChatsOf, Audience, SharesChat and Full read the latest version; see
// Directory.
func (v *dirView) ChatsOf(user string) []string { return v.Load().ChatsOf(user) }
func (v *dirView) Audience(user string, maxMembers, maxUsers int) ([]string, bool) {
	return v.Load().Audience(user, maxMembers, maxUsers)
}
func (v *dirView) SharesChat(a, b string) bool { return v.Load().SharesChat(a, b) }
func (v *dirView) Full(users []string, limit int) (string, bool) {
	return v.Load().Full(users, limit)
}

// Messages to the directory's owner.
type (
	// dirAppended: a chat's batch carrying membership events is durable.
	// The owner publishes the events, then hands Done to Chat, so the
	// chat (and whoever it answers or tells) finds them in the directory.
	dirAppended struct {
		Events []events.Event
		Chat   *actor.PID
		Done   appendDone
	}
	// dirFollowed: a membership event read from the log (any node's).
	// The follower waits for the answer (dirApplied) before reading on, so
	// at most one of them is in the owner's mailbox.
	dirFollowed struct{ Event events.Event }
	dirApplied  struct{}
	// dirObserved: a membership event another appender stored that a chat
	// applied from the log (chat_observe.go), maybe before the follower
	// read it. The owner publishes it and hands it back to Chat
	// (chatDirApplied), which then tells the users it concerns.
	dirObserved struct {
		Event events.Event
		Chat  *actor.PID
	}
	// dirSettled: membership events of a chat's batch whose append had an
	// unknown outcome and that the chat then found in the log
	// (chat_observe_unsure.go). The owner publishes them; the log follower
	// brings them too, applied once.
	dirSettled struct{ Events []events.Event }
)

// dirOwner is the one actor that changes the directory: it applies the
// node's own membership changes as their appends become durable
// (dirAppended, sent by the writer's completion) and every node's as the
// log follower reads them (dirFollowed), in arrival order, each at most
// once per chat seq (Directory.With), and publishes each new version to
// its view. Its state is the latest version it published.
type dirOwner struct{ view *dirView }

// Receive is the owner's one type switch.
func (o *dirOwner) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case dirAppended:
		o.view.p.Store(o.view.Load().With(m.Events...))
		ctx.Send(m.Chat, m.Done)
	case dirFollowed:
		o.view.p.Store(o.view.Load().With(m.Event))
		ctx.Respond(dirApplied{})
	case dirObserved:
		o.view.p.Store(o.view.Load().With(m.Event))
		ctx.Send(m.Chat, chatDirApplied{Event: m.Event})
	case dirSettled:
		o.view.p.Store(o.view.Load().With(m.Events...))
	case panicked: // a bug: the chat must still hear that its batch is durable
		switch d := m.Message.(type) {
		case dirAppended:
			ctx.Send(d.Chat, d.Done)
		case dirObserved:
			ctx.Send(d.Chat, chatDirApplied{Event: d.Event})
		}
	}
}

// spawnDirOwner starts the node's directory owner.
func (n *Node) spawnDirOwner() *actor.PID {
	return newKind(n, "directory").spawn(n.system.Root, &dirOwner{view: n.dir})
}

// appended tells chat that its batch is durable (done): directly, or
// through the directory's owner when the batch changes membership, so the
// directory shows the change before the chat acts on it. Called on the
// writer's goroutine.
func (n *Node) appended(chat *actor.PID, membership []events.Event, done appendDone) {
	if done.Err == nil && len(membership) > 0 {
		n.system.Root.Send(n.dirOwner, dirAppended{Events: membership, Chat: chat, Done: done})
		return
	}
	n.system.Root.Send(chat, done)
}
