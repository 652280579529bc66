package replay

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// ChatView is a chat as it stood at a point, for JSON output.
type ChatView struct {
	ChatID    string            `json:"chat_id"`
	Title     string            `json:"title"`
	Members   []string          `json:"members"`
	CreatedBy string            `json:"created_by"`
	LatestSeq uint64            `json:"latest_seq"`
	Read      map[string]uint64 `json:"read"`
	// Deleted and Edited (v1.1) are the seqs of the messages deleted, and
	// of those edited and not deleted, by then.
	Deleted []uint64 `json:"deleted,omitempty"`
	Edited  []uint64 `json:"edited,omitempty"`
	// Delivered (v1.1) is each member's delivered pointer, once any.
	Delivered map[string]uint64 `json:"delivered,omitempty"`
	// Position and At are those of the last event folded in.
	Position uint64    `json:"position"`
	At       time.Time `json:"at"`
}

// viewOf copies the parts of a folded state that replay shows.
func viewOf(s *chat.State, last Entry) ChatView {
	v := ChatView{ChatID: s.ChatID, Title: s.Title, Members: slices.Clone(s.Members), CreatedBy: s.CreatedBy,
		LatestSeq: s.LatestSeq, Read: maps.Clone(s.Read), Deleted: s.DeletedSeqs(), Edited: s.EditedSeqs(),
		Position: last.Rec.Position, At: last.At.UTC()}
	if len(v.Deleted) == 0 {
		v.Deleted = nil
	}
	if len(v.Edited) == 0 {
		v.Edited = nil
	}
	if len(s.Delivered) > 0 {
		v.Delivered = maps.Clone(s.Delivered)
	}
	if v.Members == nil {
		v.Members = []string{}
	}
	return v
}

// ChatAt rebuilds chat chatID as it stood at p by folding its stream with
// chat.Fold, the live actor's own fold, up to the first event past p.
// Errors: ErrUnknownChat (no such stream), ErrNotCreatedYet (nothing of the
// chat before p), ErrFutureTime, ErrBadQuery.
func (r *Replayer) ChatAt(ctx context.Context, chatID string, p Point) (ChatView, error) {
	if err := p.validate(r.cfg.Now()); err != nil {
		return ChatView{}, err
	}
	s, last, err := r.foldChat(ctx, chatID, p)
	if err != nil {
		return ChatView{}, err
	}
	if !s.Created {
		return ChatView{}, fmt.Errorf("replay: chat %q at %s: %w", chatID, p, ErrNotCreatedYet)
	}
	return viewOf(s, last), nil
}

// foldChat folds the chat's stream up to p and returns the state with the
// last entry folded in.
func (r *Replayer) foldChat(ctx context.Context, chatID string, p Point) (*chat.State, Entry, error) {
	var last Entry
	stop := func(rec events.RecordedEvent) bool {
		e := newEntry(rec)
		if p.reached(rec.Position, e.At) {
			return true
		}
		last = e
		return false
	}
	s, err := chat.Fold(chatID, r.chatStream(ctx, chatID), stop)
	if errors.Is(err, events.ErrStreamNotFound) {
		return nil, last, fmt.Errorf("replay: chat %q: %w", chatID, ErrUnknownChat)
	}
	if err != nil {
		return nil, last, fmt.Errorf("replay: chat %q: %w", chatID, err)
	}
	return s, last, nil
}

func (r *Replayer) chatStream(ctx context.Context, chatID string) func(func(events.RecordedEvent, error) bool) {
	open := func(ctx context.Context) iter.Seq2[events.RecordedEvent, error] {
		return r.store.ReadStream(ctx, events.ChatStream(chatID), events.ReadStreamOptions{})
	}
	return func(yield func(events.RecordedEvent, error) bool) {
		for rec, err := range prefetch(ctx, open) {
			if err == nil {
				r.metrics.scanned.Inc()
			}
			if !yield(rec, err) {
				return
			}
		}
	}
}
