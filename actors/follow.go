package actors

import (
	"context"
	"errors"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// followRetry is how long the log follower waits before subscribing again
// after its subscription failed (the store was unreachable).
const followRetry = time.Second

// followLog is the node's log follower: one catch-up subscription to the
// chat and connection streams of the whole log, from position after (the head when the
// node started: chats loaded later read the log themselves), until ctx
// ends. Several nodes may append to one chat (a shared PostgreSQL log);
// each node delivers to its own connections what it learns from the log,
// so a member connected anywhere gets every item of the chat, in seq
// order, once, whichever node stored it:
//
//   - an event of a chat whose actor is in memory here goes to that actor
//     (chatObserved; chat_observe.go applies it in revision order, reads
//     gaps from the store, and fans it out to its local subscribers);
//   - every node's membership change goes to the directory's owner first
//     (directory_owner.go: it applies each chat's changes once, so the
//     node's own, applied when their append became durable, are skipped),
//     and the follower waits until it is published;
//   - a chat not in memory needs nothing for its items (it loads from the
//     log when next used), but a membership change stored by another node
//     is told to the users it concerns who are online here: added users'
//     connections subscribe (the chat then loads), removed users stop;
//   - another node's ConnectionOpened and ConnectionClosed update the
//     presence of its users here (follow_presence.go).
//
// The subscription is resumed from the last position seen if it fails.
// The follower alone publishes that position (Node.logSeen, after the
// event is handed on): a connection takes it when accepted, and its
// chats catch it up on what they stored after it (attachCatchUp).
// Run it on its own goroutine.
func (n *Node) followLog(ctx context.Context, after uint64) {
	for {
		var closed bool
		if after, closed = n.followFrom(ctx, after); closed {
			return // the store was closed: the process is ending
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(followRetry):
			n.fm.resubscribes.Inc()
		}
	}
}

// followFrom runs one subscription and returns the position it reached,
// and whether it ended because the store was closed.
func (n *Node) followFrom(ctx context.Context, after uint64) (uint64, bool) {
	prefixes := []string{events.ChatStreamPrefix, events.ConnectionStreamPrefix}
	opts := events.SubscribeOptions{After: after, Filter: events.Filter{StreamPrefixes: prefixes}}
	for del, err := range n.store.Subscribe(ctx, opts) {
		if errors.Is(err, events.ErrClosed) {
			return after, true
		}
		if err != nil {
			if ctx.Err() == nil {
				n.log.Warn("log follower: subscription failed; resuming", "after", after, "err", err)
			}
			return after, false
		}
		if del.Event != nil {
			n.observed(*del.Event)
		}
		after = max(after, del.Position)
		n.logSeen.Store(after)
	}
	return after, false
}

// observed hands one event of a chat stream to its chat here, and folds
// other nodes' connection events into presence (follow_presence.go).
func (n *Node) observed(rec events.RecordedEvent) {
	id, ok := events.ChatIDFromStream(rec.Stream)
	if !ok {
		if rec.Metadata.Node != n.name {
			n.observedConnection(rec)
		}
		return
	}
	n.fm.followed.Inc()
	var ev events.Event
	if isMembershipType(rec.Type) {
		var err error
		if ev, err = events.Decode(rec); err != nil {
			return // the chat reports it when it loads
		}
		n.followedMembership(ev) // before anyone hears of it, as for the node's own appends
	}
	if n.chats.sendIfPresent(id, chatObserved{Rec: rec}, n.system.Root.Send) || ev == nil || rec.Metadata.Node == n.name {
		return
	}
	n.membershipOutside(id, ev)
}

// followedMembership hands a membership change read from the log (any
// node's: the node's own appends are applied already, and the owner skips
// them) to the directory's owner and waits until it is published, at most
// 10 s or until the node stops, so at most one of them is in the owner's
// mailbox and the follower (and its store subscription) never outlives a
// stopped node.
func (n *Node) followedMembership(ev events.Event) {
	f := n.system.Root.RequestFuture(n.dirOwner, dirFollowed{Event: ev}, 10*time.Second)
	done := make(chan struct{})
	go func() { _, _ = f.Result(); close(done) }()
	select {
	case <-done:
	case <-n.ctx.Done(): // the node stopped: its owner may never answer
	}
}

// membershipOutside tells the users online here of a membership change
// to a chat that is not in memory.
func (n *Node) membershipOutside(chatID string, ev events.Event) {
	var users []string
	var from uint64
	switch e := ev.(type) {
	case events.ChatCreated:
		users = e.Members
	case events.MembersAdded:
		users, from = e.Users, e.Seq
	case events.MemberRemoved:
		n.sendUserIfOnline(e.User, userLeft{ChatID: chatID})
		return
	}
	for _, u := range users {
		if _, online := n.users.get(u); online {
			n.sendChat(chatID, chatWelcome{Users: users, From: from})
			return
		}
	}
}

func isMembershipType(t string) bool {
	switch t {
	case events.TypeChatCreated, events.TypeMembersAdded, events.TypeMemberRemoved:
		return true
	}
	return false
}
