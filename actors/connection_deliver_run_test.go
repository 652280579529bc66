package actors

import (
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
)

// TestSharedFramesSkipOwnAnywhere: a batch delivered with its shared frame
// list goes out without the connection's own messages and seqs it has,
// whether those are first, last or in the middle of the batch (a slice of
// the shared list, or a list of its own), in the batch's order.
func TestSharedFramesSkipOwnAnywhere(t *testing.T) {
	n := unlimitedNode(t)
	sock := openSocket()
	alice := n.Connect(ConnInfo{ConnectionID: "a1", UserID: "alice"}, sock)
	alice.Handle(protocol.Ping{Ref: "p"}) // its first frame: live items flow from here
	waitFor(t, sock, `"type":"pong"`)
	other := actor.NewPID("n", "someone-else")
	item := func(seq uint64, from *actor.PID) deliverItem {
		return deliverItem{Seq: seq, Frame: []byte(`{"type":"message","seq":` + string(rune('0'+seq)) + `}`), Origin: from}
	}
	batches := [][]deliverItem{
		{item(1, other), item(2, alice.pid), item(3, other)}, // own in the middle: a list of its own
		{item(4, alice.pid), item(5, other), item(6, other)}, // own first: a slice
		{item(7, other), item(8, alice.pid)},                 // own last: a slice
		{item(7, other), item(9, other)},                     // a seq it has: skipped
	}
	for _, items := range batches {
		n.system.Root.Send(alice.pid, deliver{ChatID: "cx", Items: items, Frames: framesOf(items)})
	}
	want := []string{`{"type":"message","seq":1}`, `{"type":"message","seq":3}`, `{"type":"message","seq":5}`,
		`{"type":"message","seq":6}`, `{"type":"message","seq":7}`, `{"type":"message","seq":9}`}
	var got []string
	poll.Until(t, 10*time.Second, "the batches' frames", func() bool {
		frames, _ := sock.state()
		got = slices.DeleteFunc(slices.Clone(frames), func(f string) bool { return f[:17] != `{"type":"message"` })
		return len(got) >= len(want)
	})
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
