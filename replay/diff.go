package replay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// ChatDiff is what changed in a chat between two points.
type ChatDiff struct {
	ChatID string
	From   ChatView // zero ChatView (Position 0) when the chat did not exist yet
	To     ChatView
	// Posted lists the messages stored between the points, at most
	// Config.MaxDiffMessages; MorePosted counts the rest.
	Posted     []events.MessagePosted
	MorePosted int
}

// DiffChat folds the chat once, with the live actor's apply, noting its
// state at from and at to and the messages in between. Errors as ChatAt,
// and ErrBadQuery when to is before from.
func (r *Replayer) DiffChat(ctx context.Context, chatID string, from, to Point) (ChatDiff, error) {
	if err := r.checkDiffPoints(from, to); err != nil {
		return ChatDiff{}, err
	}
	d := ChatDiff{ChatID: chatID}
	s, last := chat.NewState(chatID), Entry{}
	snapped := false
	for rec, err := range r.chatStream(ctx, chatID) {
		if errors.Is(err, events.ErrStreamNotFound) {
			return d, fmt.Errorf("replay: chat %q: %w", chatID, ErrUnknownChat)
		}
		if err != nil {
			return d, fmt.Errorf("replay: chat %q: %w", chatID, err)
		}
		e := newEntry(rec)
		if to.reached(rec.Position, e.At) {
			break
		}
		if !snapped && from.reached(rec.Position, e.At) {
			d.From, snapped = createdView(s, last), true
		}
		if err := s.ApplyRecorded(rec); err != nil {
			return d, err
		}
		last = e
		if m, ok := e.Decode().(events.MessagePosted); ok && snapped {
			r.notePosted(&d, m)
		}
	}
	d.To = createdView(s, last)
	if !snapped {
		d.From = d.To
	}
	return d, nil
}

func (r *Replayer) checkDiffPoints(from, to Point) error {
	now := r.cfg.Now()
	if err := from.validate(now); err != nil {
		return err
	}
	if err := to.validate(now); err != nil {
		return err
	}
	if (!from.At.IsZero() && !to.At.IsZero() && to.At.Before(from.At)) || (from.Position > 0 && to.Position > 0 && to.Position < from.Position) {
		return fmt.Errorf("replay: diff to %s is before from %s: %w", to, from, ErrBadQuery)
	}
	return nil
}

func createdView(s *chat.State, last Entry) ChatView {
	if !s.Created {
		return ChatView{ChatID: s.ChatID}
	}
	return viewOf(s, last)
}

func (r *Replayer) notePosted(d *ChatDiff, m events.MessagePosted) {
	if len(d.Posted) < r.cfg.MaxDiffMessages {
		d.Posted = append(d.Posted, m)
		return
	}
	if d.MorePosted == 0 {
		r.metrics.limits.WithLabelValues("diff_messages").Inc()
	}
	d.MorePosted++
}

// Changes lists the differences as lines for a person, in a fixed order:
// creation, title, members, latest seq, read pointers, messages posted.
func (d ChatDiff) Changes() []string {
	a, b := d.From, d.To
	var out []string
	if a.Position == 0 && b.Position != 0 {
		out = append(out, fmt.Sprintf("created by %s: title %q, members %s", b.CreatedBy, b.Title, strings.Join(b.Members, ", ")))
		a.Read = map[string]uint64{}
	} else if a.Title != b.Title {
		out = append(out, fmt.Sprintf("title: %q -> %q", a.Title, b.Title))
	}
	out = append(out, memberChanges(a.Members, b.Members, a.Position == 0)...)
	if a.LatestSeq != b.LatestSeq {
		out = append(out, fmt.Sprintf("latest_seq: %d -> %d (+%d)", a.LatestSeq, b.LatestSeq, b.LatestSeq-a.LatestSeq))
	}
	out = append(out, readChanges(a.Read, b.Read)...)
	return append(out, d.postedLines()...)
}

func memberChanges(a, b []string, fresh bool) []string {
	var out []string
	for _, m := range b {
		if !fresh && !slices.Contains(a, m) {
			out = append(out, "member joined: "+m)
		}
	}
	for _, m := range a {
		if !slices.Contains(b, m) {
			out = append(out, "member left: "+m)
		}
	}
	return out
}

func readChanges(a, b map[string]uint64) []string {
	users := slices.Sorted(func(yield func(string) bool) {
		for u := range b {
			if !yield(u) {
				return
			}
		}
	})
	var out []string
	for _, u := range users {
		if a[u] != b[u] {
			out = append(out, fmt.Sprintf("read %s: %d -> %d", u, a[u], b[u]))
		}
	}
	return out
}

func (d ChatDiff) postedLines() []string {
	var out []string
	for _, m := range d.Posted {
		out = append(out, fmt.Sprintf("posted seq %d by %s at %s (client_msg_id %s, message %s): %s",
			m.Seq, m.Sender, stamp(m.SentAt), m.ClientMsgID, m.MessageID, preview(m.Body)))
	}
	if d.MorePosted > 0 {
		out = append(out, fmt.Sprintf("... and %d more messages", d.MorePosted))
	}
	return out
}
