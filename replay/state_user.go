package replay

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// UserView is a user as they stood at a point: their chats with read
// pointers, and the connections they had open.
type UserView struct {
	User        string     `json:"user"`
	Chats       []UserChat `json:"chats"`
	Connections []OpenConn `json:"connections"`
	// Position is the last event of the log examined.
	Position uint64 `json:"position"`
}

// UserChat is one chat of a user, folded by the live actor's apply.
type UserChat struct {
	ChatID      string `json:"chat_id"`
	Title       string `json:"title"`
	LatestSeq   uint64 `json:"latest_seq"`
	LastReadSeq uint64 `json:"last_read_seq"`
	Unread      uint64 `json:"unread"`
}

// OpenConn is a connection open at the point.
type OpenConn struct {
	ConnectionID string    `json:"connection_id"`
	Node         string    `json:"node"`
	RemoteAddr   string    `json:"remote_addr,omitempty"`
	OpenedAt     time.Time `json:"opened_at"`
}

// userScan is the state of one pass over the log for UserAt.
type userScan struct {
	user    string
	p       Point
	seen    bool
	chats   map[string]*chat.State // by stream
	conns   map[string]OpenConn    // by stream
	stopped map[string]bool        // tracked streams past p
	last    uint64
}

// UserAt rebuilds user's chats, read pointers and open connections at p in
// one pass over the log. Each stream is folded up to its first event past p
// (the same rule as ChatAt). Errors: ErrUnknownUser when no event up to p
// names the user, ErrTooManyChats, ErrFutureTime, ErrBadQuery.
func (r *Replayer) UserAt(ctx context.Context, user string, p Point) (UserView, error) {
	if err := p.validate(r.cfg.Now()); err != nil {
		return UserView{}, err
	}
	u := &userScan{user: user, p: p, chats: map[string]*chat.State{}, conns: map[string]OpenConn{}, stopped: map[string]bool{}}
	if err := r.scanUser(ctx, u); err != nil {
		return UserView{}, err
	}
	if !u.seen {
		return UserView{}, fmt.Errorf("replay: user %q: %w (no event names them up to %s)", user, ErrUnknownUser, p)
	}
	return u.view(), nil
}

func (r *Replayer) scanUser(ctx context.Context, u *userScan) error {
	q := Query{Until: u.p.At}
	for rec, err := range r.readAll(ctx, 0) {
		if err != nil {
			return fmt.Errorf("replay: user %q: %w", u.user, err)
		}
		if (u.p.Position > 0 && rec.Position > u.p.Position) || r.pastWindow(q, rec) {
			return nil
		}
		if err := u.add(newEntry(rec)); err != nil {
			return err
		}
		if len(u.chats) > r.cfg.MaxUserChats {
			r.metrics.limits.WithLabelValues("user_chats").Inc()
			return fmt.Errorf("replay: user %q: %w (more than %d)", u.user, ErrTooManyChats, r.cfg.MaxUserChats)
		}
	}
	return nil
}

// add folds one entry into the scan.
func (u *userScan) add(e Entry) error {
	stream := e.Rec.Stream
	if u.stopped[stream] {
		return nil
	}
	if u.p.reached(e.Rec.Position, e.At) {
		u.stopped[stream] = true
		return nil
	}
	u.last = e.Rec.Position
	if slices.Contains(e.Users(), u.user) {
		u.seen = true
	}
	if err := u.addChat(&e); err != nil {
		return err
	}
	u.addConn(&e)
	return nil
}

func (u *userScan) addChat(e *Entry) error {
	s, ok := u.chats[e.Rec.Stream]
	if c, isCreate := e.Decode().(events.ChatCreated); isCreate && slices.Contains(c.Members, u.user) {
		s, ok = chat.NewState(c.ChatID), true
		u.chats[e.Rec.Stream] = s
	}
	if !ok {
		return nil
	}
	return s.ApplyRecorded(e.Rec)
}

func (u *userScan) addConn(e *Entry) {
	switch ev := e.Decode().(type) {
	case events.ConnectionOpened:
		if ev.UserID == u.user {
			u.conns[e.Rec.Stream] = OpenConn{ConnectionID: ev.ConnectionID, Node: ev.Node, RemoteAddr: ev.RemoteAddr, OpenedAt: ev.At.UTC()}
		}
	case events.ConnectionClosed:
		delete(u.conns, e.Rec.Stream)
	}
}

func (u *userScan) view() UserView {
	v := UserView{User: u.user, Chats: []UserChat{}, Connections: []OpenConn{}, Position: u.last}
	for _, s := range u.chats {
		v.Chats = append(v.Chats, UserChat{ChatID: s.ChatID, Title: s.Title, LatestSeq: s.LatestSeq,
			LastReadSeq: s.Read[u.user], Unread: s.Unread(u.user)})
	}
	for _, c := range u.conns {
		v.Connections = append(v.Connections, c)
	}
	slices.SortFunc(v.Chats, func(a, b UserChat) int { return strings.Compare(a.ChatID, b.ChatID) })
	slices.SortFunc(v.Connections, func(a, b OpenConn) int { return strings.Compare(a.ConnectionID, b.ConnectionID) })
	return v
}
