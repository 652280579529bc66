package actors

import (
	"context"
	"sync"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// Presence defaults (Config.PresenceGrace, Config.PresenceMaxChatMembers,
// Config.PresenceMaxAudience).
const (
	DefaultPresenceGrace          = 5 * time.Second
	DefaultPresenceMaxChatMembers = 256
	DefaultPresenceMaxAudience    = 1000
)

// presenceBook knows which users are online on this node (a connection
// open, or the last one closed less than the grace period ago) and when
// each user's last connection closed: loaded from the log's
// ConnectionClosed events when the node starts (so last_seen survives a
// restart), then kept by the user actors. Safe for concurrent use.
type presenceBook struct {
	mu       sync.RWMutex
	online   map[string]bool
	lastSeen map[string]time.Time
	remote   map[string]map[string]bool // user -> connections open on other nodes (follow_presence.go)
}

func newPresenceBook() *presenceBook {
	return &presenceBook{online: map[string]bool{}, lastSeen: map[string]time.Time{}, remote: map[string]map[string]bool{}}
}

// load reads every ConnectionClosed of the log once.
func (p *presenceBook) load(ctx context.Context, store events.Store) error {
	opts := events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{events.TypeConnectionClosed}}}
	for rec, err := range store.ReadAll(ctx, opts) {
		if err != nil {
			return err
		}
		ev, err := events.Decode(rec)
		if err != nil {
			continue
		}
		if c, ok := ev.(events.ConnectionClosed); ok {
			p.closed(c.UserID, c.At)
		}
	}
	return nil
}

func (p *presenceBook) setOnline(user string, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.online[user] = true
	} else {
		delete(p.online, user)
	}
}

// closed records that a connection of user closed at t.
func (p *presenceBook) closed(user string, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.lastSeen[user]) {
		p.lastSeen[user] = t.UTC()
	}
}

// status returns user's status and, offline, the last close (nil if none).
func (p *presenceBook) status(user string) (string, *time.Time) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.online[user] || len(p.remote[user]) > 0 {
		return protocol.StatusOnline, nil
	}
	if t, ok := p.lastSeen[user]; ok {
		return protocol.StatusOffline, &t
	}
	return protocol.StatusOffline, nil
}

// presenceFrameOf is user's presence as a frame.
func (n *Node) presenceFrameOf(user string) protocol.PresenceFrame {
	st, last := n.presence.status(user)
	return protocol.PresenceFrame{User: user, Status: st, LastSeen: last}
}

// broadcastPresence sends user's presence to the online connections of
// the users who share a chat of at most PresenceMaxChatMembers members
// with them, at most PresenceMaxAudience users
// (linkup_presence_audience_truncated_total counts the cut ones).
func (n *Node) broadcastPresence(user string) {
	b, err := n.enc.Encode(n.presenceFrameOf(user))
	if err != nil {
		return
	}
	audience, truncated := n.dir.Audience(user, n.cfg.PresenceMaxChatMembers, n.cfg.PresenceMaxAudience)
	if truncated {
		n.m.timeline.presenceTruncated.Inc()
	}
	for _, u := range audience {
		n.sendUserIfOnline(u, userPresence{Frame: b})
	}
	n.m.timeline.presenceSent.Add(float64(len(audience)))
}

// sendUserIfOnline sends msg to user's actor if it runs (the user has a
// connection on this node); offline users cost nothing.
func (n *Node) sendUserIfOnline(user string, msg any) {
	n.users.sendIfPresent(user, msg, n.system.Root.Send)
}

// presenceOf answers get_presence for asker: the asker and users who share
// a chat with them get their status, anyone else unknown.
func (n *Node) presenceOf(asker string, users []string) []protocol.PresenceFrame {
	out := make([]protocol.PresenceFrame, len(users))
	for i, u := range users {
		if u != asker && !n.dir.SharesChat(asker, u) {
			out[i] = protocol.PresenceFrame{User: u, Status: protocol.StatusUnknown}
			continue
		}
		out[i] = n.presenceFrameOf(u)
	}
	return out
}

func orDefaultDuration(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
