package actors

import (
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/protocol"
)

// FuzzAggregate drives an aggregate with arbitrary chat ids (including
// ones spelled like bulk slots, "#3") and an arbitrary order of answers,
// repeats and a timeout: it never panics, each awaited answer is taken
// once, and after expire nothing waits and every bulk item has a result.
// The seeds run in every `go test`.
func FuzzAggregate(f *testing.F) {
	f.Add("#3\x00#0\x00a", []byte{0, 1, 1, 7, 200})
	f.Add("#1", []byte{})
	f.Add("\x00\x00#-1\x00#99999999999999999999", []byte{3, 2, 1, 0})
	f.Add("a\x00b\x00c", []byte{2, 2, 0})
	f.Fuzz(func(t *testing.T, ids string, answers []byte) {
		chats := strings.Split(ids, "\x00")
		for _, command := range []string{"list_chats", "sync_request", "bulk_read_receipt"} {
			checkAggregate(t, command, chats, answers)
		}
	})
}

func checkAggregate(t *testing.T, command string, chats []string, answers []byte) {
	keys := chatKeys(chats)
	if command == "bulk_read_receipt" {
		keys = make([]aggKey, len(chats))
		for i := range chats {
			keys[i] = itemKey(i)
		}
	}
	a := newAggregate("r", command, keys)
	if command == "bulk_read_receipt" {
		a.results = make([]protocol.BulkResult, len(chats))
		for i, ch := range chats {
			a.results[i].ChatID = ch
		}
	}
	awaited, taken := map[aggKey]bool{}, map[aggKey]bool{}
	for _, k := range keys {
		awaited[k] = true
	}
	for _, b := range answers {
		k := keys[int(b)%len(keys)]
		if b >= 128 { // an answer nobody waits for: a chat id used as an item or the reverse
			k = aggKey{chat: k.chat + "#", item: k.item + len(keys)}
		}
		if got, want := a.take(k), awaited[k] && !taken[k]; got != want {
			t.Fatalf("%s: take(%+v) = %v, want %v", command, k, got, want)
		}
		taken[k] = awaited[k]
	}
	abandoned := a.expire()
	if !a.done() {
		t.Fatalf("%s: still waiting after expire", command)
	}
	for _, ch := range abandoned {
		if taken[chatKey(ch)] {
			t.Fatalf("%s: answered chat %q abandoned", command, ch)
		}
	}
	for i, r := range a.results {
		if !taken[itemKey(i)] && r.Error == nil {
			t.Fatalf("bulk item %d (%q) neither answered nor unavailable", i, r.ChatID)
		}
	}
	_ = a.frame()
}
