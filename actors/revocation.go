package actors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// revocations remembers, per user, the moment their tokens were revoked:
// tokens issued at or before it are refused. Derived from the log
// (UserRevoked), loaded at start-up.
type revocations struct {
	mu sync.RWMutex
	at map[string]time.Time
}

func newRevocations() *revocations { return &revocations{at: map[string]time.Time{}} }

func (r *revocations) set(user string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if at.After(r.at[user]) {
		r.at[user] = at
	}
}

func (r *revocations) load(ctx context.Context, store events.Store) error {
	opts := events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{events.TypeUserRevoked}}}
	for rec, err := range store.ReadAll(ctx, opts) {
		if err != nil {
			return err
		}
		if ev, err := events.Decode(rec); err == nil {
			if u, ok := ev.(events.UserRevoked); ok {
				r.set(u.User, u.At)
			}
		}
	}
	return nil
}

// RevokedAt returns when user's tokens were last revoked, if ever.
// Transport refuses tokens issued at or before it.
func (n *Node) RevokedAt(user string) (time.Time, bool) {
	n.revoked.mu.RLock()
	defer n.revoked.mu.RUnlock()
	at, ok := n.revoked.at[user]
	return at, ok
}

// ErrRevokeFailed is returned by Revoke when the UserRevoked event could
// not be stored; nothing was revoked.
var ErrRevokeFailed = errors.New("actors: revocation not stored")

// Revoke stores a UserRevoked for user, then refuses their older tokens
// and closes their open connections with force_reconnect (reason admin).
// It waits for the append: it is called by an admin HTTP handler, never by
// an actor.
func (n *Node) Revoke(ctx context.Context, user, reason, by string) error {
	ev := events.UserRevoked{User: user, Reason: reason, RevokedBy: by, At: now()}
	d, err := events.Encode(ev, events.Metadata{Node: n.name})
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	if !n.writer.Submit(events.UserStream(user), events.Any(), []events.EventData{d}, func(_ events.AppendResult, err error) { done <- err }) {
		return fmt.Errorf("%w: writer queue full", ErrRevokeFailed)
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%w: %w", ErrRevokeFailed, err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	n.revoked.set(user, ev.At)
	n.sendUser(user, userRevoke{})
	return nil
}
