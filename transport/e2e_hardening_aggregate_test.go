package transport_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// slowStream is a real store whose reads of one stream wait until release
// is closed: a chat that cannot load, so it cannot answer in time.
type slowStream struct {
	events.Store
	stream  string
	release chan struct{}
}

func (s slowStream) ReadStream(ctx context.Context, stream string, o events.ReadStreamOptions) iter.Seq2[events.RecordedEvent, error] {
	if stream != s.stream {
		return s.Store.ReadStream(ctx, stream, o)
	}
	return func(yield func(events.RecordedEvent, error) bool) {
		select {
		case <-s.release:
		case <-ctx.Done():
		}
		for rec, err := range s.Store.ReadStream(ctx, stream, o) {
			if !yield(rec, err) {
				return
			}
		}
	}
}

// TestChatIDsThatLookLikeBulkSlotsDoNotPanic: a member of a chat named "#3"
// whose chat does not answer in time (its load stalls) still gets the
// reply to list_chats, sync_request and bulk_read_receipt once the request
// timeout passes, and no actor panics. The aggregate used to key bulk items
// as "#i" in the same map as chat ids, so the timeout of a list or a sync
// took chat "#3" for bulk item 3 and indexed a nil slice: the client never
// got its reply and the aggregate leaked.
func TestChatIDsThatLookLikeBulkSlotsDoNotPanic(t *testing.T) {
	dir := t.TempDir()
	users := writeLongChat(t, dir, "#3", 2, 1)
	inner, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inner.Close() })
	release := make(chan struct{})
	st := slowStream{Store: inner, stream: events.ChatStream("#3"), release: release}
	n := testnode.Start(t, testnode.Options{Dir: dir, Store: st, Actors: actors.Config{RequestTimeout: 300 * time.Millisecond}})
	c := n.Dial(t, users[0])
	var chats struct {
		Chats []struct {
			ChatID string `json:"chat_id"`
		}
	}
	_ = testnode.MustType(t, call(t, c, map[string]any{"type": "list_chats"}), "chats").Decode(&chats)
	if len(chats.Chats) != 0 {
		t.Fatalf("list_chats listed a chat that never answered: %+v", chats)
	}
	testnode.MustType(t, call(t, c, map[string]any{"type": "sync_request", "positions": map[string]any{"#3": 0}}), "sync_complete")
	var ack struct {
		Results []struct {
			ChatID string `json:"chat_id"`
			Error  *struct{ Code string }
		}
	}
	_ = testnode.MustType(t, call(t, c, map[string]any{"type": "bulk_read_receipt", "receipts": []any{map[string]any{"chat_id": "#3", "seq": 1}}}), "ack").Decode(&ack)
	if len(ack.Results) != 1 || ack.Results[0].Error == nil || ack.Results[0].Error.Code != "unavailable" {
		t.Fatalf("bulk item of a chat that never answered: %+v, want unavailable", ack)
	}
	if p := limitMetric(t, n.Reg, "linkup_actor_panics_total", "", ""); p != 0 {
		t.Fatalf("%v actor panics", p)
	}
	close(release)
	_ = testnode.MustType(t, call(t, c, map[string]any{"type": "list_chats"}), "chats").Decode(&chats)
	if len(chats.Chats) != 1 || chats.Chats[0].ChatID != "#3" {
		t.Fatalf("after the load: %+v, want chat #3", chats)
	}
}
