package transport_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// TestCatchUpReadsEachOldPageOnce: after a restart (nothing in the chat's
// memory), 30 members sync a 1,300-message chat from the start at once, in
// pages of 500. Every member gets every message exactly once and in order,
// and the store is read once per 256-message page, not once per member:
// the others are served from the chat's page cache or join a read in
// flight (linkup_history_pages_total by source).
func TestCatchUpReadsEachOldPageOnce(t *testing.T) {
	const members, total = 30, 1300
	dir := t.TempDir()
	users := writeLongChat(t, dir, "big", members, total)
	n := testnode.Start(t, testnode.Options{Dir: dir})
	clients := make([]*client.Client, members)
	for i, u := range users {
		clients[i] = n.Dial(t, u)
	}
	var wg sync.WaitGroup
	errs := make(chan error, members)
	for _, c := range clients {
		wg.Go(func() { errs <- syncAll(c, "big", total) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	pages := (total + 255) / 256
	store := limitMetric(t, n.Reg, "linkup_history_pages_total", "source", "store")
	shared := limitMetric(t, n.Reg, "linkup_history_pages_total", "source", "shared") +
		limitMetric(t, n.Reg, "linkup_history_pages_total", "source", "cache")
	if store < float64(pages) || store > float64(pages)+2 || shared < float64((members-1)*pages) {
		t.Fatalf("%d members, %d pages: %v store reads, %v served from cache or a shared read", members, pages, store, shared)
	}
}

// writeLongChat stores a chat of members (user0 creates it) with total
// messages from rotating senders, before any node runs.
func writeLongChat(t *testing.T, dir, chat string, members, total int) []string {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users := make([]string, members)
	for i := range users {
		users[i] = fmt.Sprint("user", i)
	}
	at := time.Now().Add(-time.Hour)
	evs := []events.EventData{events.MustEncode(events.ChatCreated{ChatID: chat, Title: "t", Members: users, CreatedBy: users[0], At: at}, events.Metadata{})}
	for seq := 1; seq <= total; seq++ {
		evs = append(evs, events.MustEncode(events.MessagePosted{ChatID: chat, Seq: uint64(seq), MessageID: fmt.Sprint("m", seq),
			Sender: users[seq%members], Body: fmt.Sprint("body ", seq), ClientMsgID: fmt.Sprint("c", seq), SentAt: at}, events.Metadata{}))
	}
	if _, err := st.Append(context.Background(), events.ChatStream(chat), events.NoStream(), evs...); err != nil {
		t.Fatal(err)
	}
	return users
}

// syncAll syncs chat from seq 0 until the answer is no longer truncated and
// checks that the messages were 1..total, each once, in order.
func syncAll(c *client.Client, chat string, total int) error {
	next := uint64(1)
	for round := 0; ; round++ {
		ref := fmt.Sprint("sync", round)
		if err := c.Send(map[string]any{"type": "sync_request", "ref": ref, "positions": map[string]any{chat: next - 1}}); err != nil {
			return err
		}
		for {
			f, err := c.Next(wait)
			if err != nil {
				return fmt.Errorf("sync round %d at seq %d: %w", round, next, err)
			}
			if f.Type == "message" {
				if seq := uint64(f.Num("seq")); seq != next {
					return fmt.Errorf("got seq %d, want %d", seq, next)
				}
				next++
				continue
			}
			if f.Type != "sync_complete" || f.Ref() != ref {
				continue
			}
			var sc struct {
				Chats map[string]struct{ Truncated bool } `json:"chats"`
			}
			if err := f.Decode(&sc); err != nil {
				return err
			}
			if !sc.Chats[chat].Truncated {
				if next != uint64(total)+1 {
					return fmt.Errorf("sync complete at seq %d, want %d", next-1, total)
				}
				return nil
			}
			break
		}
	}
}

// TestBigSyncNeverMakesTheClientASlowConsumer: a client that missed 1,500
// messages in each of three chats syncs them all at once with the largest
// limit. The answers never overflow its outbound queue (it is never cut as
// a slow consumer): each carries at most 500 messages over all chats,
// marks the chats it cut short as truncated, and repeated syncs bring every
// message of every chat once, in order.
func TestBigSyncNeverMakesTheClientASlowConsumer(t *testing.T) {
	const total = 1500
	dir := t.TempDir()
	chats := []string{"a", "b", "c"}
	var users []string
	for _, ch := range chats {
		users = writeLongChat(t, dir, ch, 2, total)
	}
	n := testnode.Start(t, testnode.Options{Dir: dir})
	c := n.Dial(t, users[1])
	next := map[string]uint64{"a": 1, "b": 1, "c": 1}
	for round := 0; round < 20; round++ {
		pos := map[string]any{}
		for ch, s := range next {
			pos[ch] = s - 1
		}
		ref := fmt.Sprint("big", round)
		if err := c.Send(map[string]any{"type": "sync_request", "ref": ref, "limit": 5000, "positions": pos}); err != nil {
			t.Fatal(err)
		}
		got, truncated := 0, false
		for done := false; !done; {
			f, err := c.Next(wait)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			switch f.Type {
			case "message":
				ch, seq := f.Str("chat_id"), uint64(f.Num("seq"))
				if seq != next[ch] {
					t.Fatalf("chat %s: seq %d, want %d", ch, seq, next[ch])
				}
				next[ch]++
				got++
			case "force_reconnect":
				t.Fatalf("round %d: a syncing client was cut: %s", round, f.Raw)
			case "sync_complete":
				var sc struct {
					Chats map[string]struct{ Truncated bool } `json:"chats"`
				}
				if err := f.Decode(&sc); err != nil {
					t.Fatal(err)
				}
				for _, info := range sc.Chats {
					truncated = truncated || info.Truncated
				}
				done = f.Ref() == ref
			}
		}
		if got > 500 {
			t.Fatalf("round %d: one sync answer carried %d messages", round, got)
		}
		if !truncated {
			for _, ch := range chats {
				if next[ch] != total+1 {
					t.Fatalf("chat %s complete at %d, want %d", ch, next[ch]-1, total)
				}
			}
			return
		}
	}
	t.Fatalf("still truncated after 20 syncs: %v", next)
}
