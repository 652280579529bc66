package main

import "testing"

// TestReadReceiptNamesHighestSeqFromOthers: a read_receipt names the
// highest seq delivered from other members, only while that lies above the
// client's read pointer (its own messages move the pointer on the server,
// so a receipt at or below them could move nothing), and each such seq is
// receipted once.
func TestReadReceiptNamesHighestSeqFromOthers(t *testing.T) {
	lc := newLoadClient(ClientSpec{User: "u", Chats: []string{"a", "b"}}, &Job{}, &counters{})
	if r := lc.receipt(); r != nil {
		t.Fatalf("receipt %s with nothing received", r)
	}
	lc.deliver([]byte("a"), 1, 0, 0)
	lc.tally("a").acked(2) // the client's own message, after what it received
	if r := lc.receipt(); r != nil {
		t.Fatalf("receipt %s below the client's own message", r)
	}
	lc.deliver([]byte("a"), 3, 0, 0)
	lc.deliver([]byte("b"), 7, 0, 0)
	lc.deliver([]byte("b"), 5, 0, 0)
	got := map[string]bool{}
	for range 2 {
		r := lc.receipt()
		got[string(r)] = true
	}
	want := []string{
		`{"type":"read_receipt","ref":"r","chat_id":"a","seq":3}`,
		`{"type":"read_receipt","ref":"r","chat_id":"b","seq":7}`,
	}
	for _, w := range want {
		if !got[w] {
			t.Fatalf("receipts %v, want %v", got, want)
		}
	}
	if r := lc.receipt(); r != nil {
		t.Fatalf("receipt %s repeats one already sent", r)
	}
}
