package replay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// AuditQuery asks "did the members (or User) get timeline item Seq of
// Chat, and when": `linkup replay audit`.
type AuditQuery struct {
	Chat string
	Seq  uint64
	User string // optional: this user only
}

// Validate checks the query.
func (q AuditQuery) Validate() error {
	if q.Chat == "" || q.Seq == 0 {
		return fmt.Errorf("replay: audit needs a chat and a seq: %w", ErrBadQuery)
	}
	return nil
}

// Audit is the delivery audit of one timeline item, from the log alone.
type Audit struct {
	ChatID   string      `json:"chat_id"`
	Seq      uint64      `json:"seq"`
	Kind     string      `json:"kind"`
	By       string      `json:"by"`
	PostedAt time.Time   `json:"posted_at"`
	Items    []AuditItem `json:"items"`
}

// AuditItem is what happened to the item for one user: whether they were a
// member when it was posted, which of their connections were open then
// (and on which node), when a device of theirs first confirmed it
// (delivery_receipt) and on which connection, and when they read it (a
// read receipt at or past it, or a message of theirs after it).
type AuditItem struct {
	User                  string      `json:"user"`
	Member                bool        `json:"member"`
	OpenConnections       []AuditConn `json:"open_connections"`
	DeliveredAt           *time.Time  `json:"delivered_at"`
	DeliveredConnectionID *string     `json:"delivered_connection_id"`
	DeliveredNode         *string     `json:"delivered_node"`
	ReadAt                *time.Time  `json:"read_at"`
}

// AuditConn is a connection of the user open when the item was posted.
type AuditConn struct {
	ConnectionID string    `json:"connection_id"`
	Node         string    `json:"node"`
	OpenedAt     time.Time `json:"opened_at"`
}

// ErrUnknownItem is returned by Audit when the chat has no item Seq.
var ErrUnknownItem = errors.New("no such timeline item")

// Audit answers q from the log: the chat's stream once (with chat.Fold's
// own apply, for the members at the item), then the connection events up
// to the item's time.
func (r *Replayer) Audit(ctx context.Context, q AuditQuery) (Audit, error) {
	if err := q.Validate(); err != nil {
		return Audit{}, err
	}
	a, byUser, err := r.auditChat(ctx, q)
	if err != nil {
		return a, err
	}
	if err := r.auditConnections(ctx, a.PostedAt, byUser); err != nil {
		return a, err
	}
	for _, u := range sortedUsers(byUser) {
		a.Items = append(a.Items, *byUser[u])
	}
	return a, nil
}

// auditChat folds the chat's stream: the item, the members then, and
// after it the first delivery and read of each.
func (r *Replayer) auditChat(ctx context.Context, q AuditQuery) (Audit, map[string]*AuditItem, error) {
	a := Audit{ChatID: q.Chat, Seq: q.Seq, Items: []AuditItem{}}
	s := chat.NewState(q.Chat)
	var byUser map[string]*AuditItem
	for rec, err := range r.chatStream(ctx, q.Chat) {
		if errors.Is(err, events.ErrStreamNotFound) {
			return a, nil, fmt.Errorf("replay: chat %q: %w", q.Chat, ErrUnknownChat)
		}
		if err != nil {
			return a, nil, fmt.Errorf("replay: chat %q: %w", q.Chat, err)
		}
		if err := s.ApplyRecorded(rec); err != nil {
			return a, nil, err
		}
		e := newEntry(rec)
		ev := e.Decode()
		if byUser == nil {
			if it, ok := chat.ItemOf(ev); ok && it.Seq == q.Seq {
				a.Kind, a.By, a.PostedAt = it.Kind.String(), itemBy(it), e.At.UTC()
				byUser = auditItems(s.Members, q.User)
				noteRead(byUser, ev, q.Seq, a.PostedAt)
			}
			continue
		}
		noteFollowing(byUser, ev, q.Seq, e.At.UTC())
	}
	if byUser == nil {
		return a, nil, fmt.Errorf("replay: chat %q seq %d: %w", q.Chat, q.Seq, ErrUnknownItem)
	}
	return a, byUser, nil
}

// auditConnections lists, for each audited user, the connections open at
// t: opened at or before t and not closed by then.
func (r *Replayer) auditConnections(ctx context.Context, t time.Time, byUser map[string]*AuditItem) error {
	open := map[string]AuditConn{}
	owner := map[string]string{}
	opts := events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{events.TypeConnectionOpened, events.TypeConnectionClosed}}}
	for rec, err := range r.store.ReadAll(ctx, opts) {
		if err != nil {
			return fmt.Errorf("replay: audit connections: %w", err)
		}
		r.metrics.scanned.Inc()
		e := newEntry(rec)
		if e.At.After(t) {
			continue // the log is not in time order across streams: keep scanning
		}
		switch ev := e.Decode().(type) {
		case events.ConnectionOpened:
			if _, ok := byUser[ev.UserID]; ok {
				open[ev.ConnectionID] = AuditConn{ConnectionID: ev.ConnectionID, Node: ev.Node, OpenedAt: ev.At.UTC()}
				owner[ev.ConnectionID] = ev.UserID
			}
		case events.ConnectionClosed:
			delete(open, ev.ConnectionID)
		}
	}
	for id, c := range open {
		it := byUser[owner[id]]
		it.OpenConnections = append(it.OpenConnections, c)
	}
	return nil
}

func auditItems(members []string, only string) map[string]*AuditItem {
	out := map[string]*AuditItem{}
	for _, m := range members {
		if only == "" || m == only {
			out[m] = &AuditItem{User: m, Member: true, OpenConnections: []AuditConn{}}
		}
	}
	if only != "" && out[only] == nil {
		out[only] = &AuditItem{User: only, OpenConnections: []AuditConn{}}
	}
	return out
}

// noteRead marks the item read by its own sender at once.
func noteRead(byUser map[string]*AuditItem, ev events.Event, seq uint64, at time.Time) {
	if m, ok := ev.(events.MessagePosted); ok {
		noteFollowing(byUser, events.ChatRead{User: m.Sender, LastReadSeq: m.Seq}, seq, at)
	}
}

// noteFollowing notes the first delivery and the first read of seq by an
// audited member, from an event after the item.
func noteFollowing(byUser map[string]*AuditItem, ev events.Event, seq uint64, at time.Time) {
	switch e := ev.(type) {
	case events.MessagesDelivered:
		if it := byUser[e.User]; it != nil && it.Member && it.DeliveredAt == nil && e.DeliveredSeq >= seq {
			it.DeliveredAt, it.DeliveredConnectionID, it.DeliveredNode = &at, &e.ConnectionID, &e.Node
		}
	}
	if user, upTo, ok := chat.ReadMove(ev); ok && upTo >= seq {
		if it := byUser[user]; it != nil && it.Member && it.ReadAt == nil {
			it.ReadAt = &at
		}
	}
}

func itemBy(it chat.Item) string {
	switch e := it.Event.(type) {
	case events.MembersAdded:
		return e.By
	case events.MemberRemoved:
		return e.By
	case events.MessageEdited:
		return e.By
	case events.MessageDeleted:
		return e.By
	}
	return it.Message.Sender
}

func sortedUsers(m map[string]*AuditItem) []string {
	out := make([]string, 0, len(m))
	for u := range m {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// WriteAudit writes a as text (a header line, then one line per user) or
// as JSONL (one object per user, with the item's chat, seq and time).
func WriteAudit(w io.Writer, f Format, a Audit) error {
	if err := f.Validate(); err != nil {
		return err
	}
	for i := range a.Items {
		slices.SortFunc(a.Items[i].OpenConnections, func(x, y AuditConn) int { return strings.Compare(x.ConnectionID, y.ConnectionID) })
	}
	if f == FormatJSONL {
		return writeAuditJSONL(w, a)
	}
	if _, err := fmt.Fprintf(w, "chat=%s seq=%d kind=%s by=%s posted_at=%s\n", word(a.ChatID), a.Seq, a.Kind, word(a.By), stampOf(&a.PostedAt)); err != nil {
		return err
	}
	for _, it := range a.Items {
		conns := make([]string, len(it.OpenConnections))
		for i, c := range it.OpenConnections {
			conns[i] = word(c.ConnectionID) + "@" + word(c.Node)
		}
		via := "-"
		if it.DeliveredConnectionID != nil {
			via = word(*it.DeliveredConnectionID) + "@" + word(*it.DeliveredNode)
		}
		if _, err := fmt.Fprintf(w, "user=%s member=%v open=%s delivered=%s via=%s read=%s\n", word(it.User), it.Member,
			dash(strings.Join(conns, ",")), stampOf(it.DeliveredAt), via, stampOf(it.ReadAt)); err != nil {
			return err
		}
	}
	return nil
}

func writeAuditJSONL(w io.Writer, a Audit) error {
	for _, it := range a.Items {
		line := struct {
			ChatID   string    `json:"chat_id"`
			Seq      uint64    `json:"seq"`
			PostedAt time.Time `json:"posted_at"`
			AuditItem
		}{a.ChatID, a.Seq, a.PostedAt, it}
		b, err := json.Marshal(line)
		if err != nil {
			return err
		}
		if _, err := w.Write(append(SafeJSON(b), '\n')); err != nil {
			return err
		}
	}
	return nil
}

func stampOf(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}
