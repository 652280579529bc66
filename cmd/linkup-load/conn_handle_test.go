package main

import (
	"testing"

	"github.com/linkup-chat/linkup/protocol"
)

// TestSyncCompleteReadsTruncated: a sync_complete as the server encodes it
// (protocol.Encode) ends the client's sync, and a truncated chat makes it
// sync again; a frame that does not decode is counted as a client error.
func TestSyncCompleteReadsTruncated(t *testing.T) {
	lc := newLoadClient(ClientSpec{User: "u", Chats: []string{"a", "b"}}, &Job{}, &counters{})
	for _, truncated := range []bool{false, true} {
		f, err := protocol.Encode(protocol.SyncCompleteFrame{Ref: "s", Chats: map[string]protocol.SyncChat{
			"a": {LatestSeq: 3}, "b": {LatestSeq: 9, Truncated: truncated}}})
		if err != nil {
			t.Fatal(err)
		}
		lc.syncing, lc.resync = 1, false
		lc.handle(f)
		if lc.syncing != 0 || lc.resync != truncated {
			t.Fatalf("after %s: syncing %d, resync %v", f, lc.syncing, lc.resync)
		}
	}
	lc.syncing = 1
	lc.handle([]byte(`{"type":"sync_complete","chats":7}`))
	if lc.syncing != 0 || lc.c.errors["client_bad_sync_complete"] != 1 {
		t.Fatalf("a bad sync_complete: syncing %d, errors %v", lc.syncing, lc.c.errors)
	}
}
