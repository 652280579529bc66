package chat

import (
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// TestOverlayShowsLatestBodyAndHidesDeleted: history and sync show a
// message edited since with its latest body and edited_at, a deleted one
// (and any edit of it) without a body.
func TestOverlayShowsLatestBodyAndHidesDeleted(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewState("c")
	evs := []events.Event{
		events.ChatCreated{ChatID: "c", Members: []string{"a", "b"}, CreatedBy: "a"},
		events.MessagePosted{ChatID: "c", Seq: 1, Sender: "a", Body: "one", ClientMsgID: "1"},
		events.MessagePosted{ChatID: "c", Seq: 2, Sender: "b", Body: "two", ClientMsgID: "2"},
		events.MessageEdited{ChatID: "c", Seq: 3, TargetSeq: 1, Body: "one!", By: "a", At: t0},
		events.MessageEdited{ChatID: "c", Seq: 4, TargetSeq: 2, Body: "two!", By: "b", At: t0},
		events.MessageEdited{ChatID: "c", Seq: 5, TargetSeq: 1, Body: "one!!", By: "a", At: t0.Add(time.Second)},
		events.MessageDeleted{ChatID: "c", Seq: 6, TargetSeq: 2, By: "a", At: t0},
	}
	for i, ev := range evs {
		s.Apply(ev, uint64(i))
	}
	o := s.Overlay(s.LatestSeq)
	tests := []struct {
		name     string
		ev       events.Event
		body     string
		deleted  bool
		editedAt time.Time
	}{
		{"edited twice: the latest body", evs[1], "one!!", false, t0.Add(time.Second)},
		{"deleted: no body", evs[2], "", true, time.Time{}},
		{"an edit of a kept message keeps its body", evs[3], "one!", false, time.Time{}},
		{"an edit of a deleted message loses its body", evs[4], "", true, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it, _ := ItemOf(tc.ev)
			got := o.Show(it)
			body := got.Message.Body
			if e, ok := got.Event.(events.MessageEdited); ok {
				body = e.Body
			}
			if body != tc.body || got.Deleted != tc.deleted || !got.EditedAt.Equal(tc.editedAt) {
				t.Fatalf("Show = body %q deleted %v edited_at %v; want %q %v %v", body, got.Deleted, got.EditedAt, tc.body, tc.deleted, tc.editedAt)
			}
		})
	}
	if got := s.Unread("a"); got != 0 {
		t.Fatalf("unread of a = %d, want 0 (b's message is deleted, edits do not count)", got)
	}
	if got := s.Unread("b"); got != 0 {
		t.Fatalf("unread of b = %d, want 0 (a read her own; edits do not count)", got)
	}
}
