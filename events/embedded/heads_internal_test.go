package embedded

import (
	"fmt"
	"testing"
)

// TestHeadsAgeOutStreamsWrittenOnce: the writer's cache of stream heads
// holds at most two generations of headsGeneration streams, so streams
// written once (a connection's) age out instead of staying cached per
// connection, while a stream used in every generation (a busy chat)
// stays, and a committed head is what get returns.
func TestHeadsAgeOutStreamsWrittenOnce(t *testing.T) {
	h := newHeads()
	commit := func(stream string, last uint64) {
		h.set(stream, head{id: 1, last: last, exists: true})
		h.commit()
	}
	commit("chat-busy", 0)
	for i := range 5 * headsGeneration {
		commit(fmt.Sprint("connection-", i), 0)
		if i%(headsGeneration/2) == 0 {
			if hd, ok := h.get("chat-busy"); !ok || hd.last != uint64(i/(headsGeneration/2)) {
				t.Fatalf("busy chat at %d: %+v %v", i, hd, ok)
			}
			commit("chat-busy", uint64(i/(headsGeneration/2))+1)
		}
	}
	if n := len(h.cache) + len(h.old); n > 2*headsGeneration {
		t.Fatalf("%d heads cached, want at most %d", n, 2*headsGeneration)
	}
	if _, ok := h.get("connection-0"); ok {
		t.Fatal("a stream written once, 5 generations ago, is still cached")
	}
	if _, ok := h.get(fmt.Sprint("connection-", 5*headsGeneration-1)); !ok {
		t.Fatal("the last stream written is not cached")
	}
	h.set("chat-busy", head{id: 1, last: 99, exists: true})
	h.rollback()
	if hd, _ := h.get("chat-busy"); hd.last == 99 {
		t.Fatal("a rolled-back head is cached")
	}
}
