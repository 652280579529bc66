package transport_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// clientFrame is a masked client text frame carrying payload.
func clientFrame(t *testing.T, payload string) []byte {
	t.Helper()
	var b bytes.Buffer
	f := ws.MaskFrame(ws.NewTextFrame([]byte(payload)))
	if err := ws.WriteFrame(&b, f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPipelinedFramesAreAllReadInOrder: frames a client wrote in one go
// reach the server in one read of at most 4 KB (transport/readbuf.go) and
// are all handled, in order, whatever their sizes: small pings whose
// headers fall across the buffer's end, a frame larger than the buffer,
// and a fragmented message, then pings after them. Each gets its own
// answer (the pongs in the order sent, the send's ack after its append);
// a lost or reordered byte shows as a missing, reordered or refused
// reply.
func TestPipelinedFramesAreAllReadInOrder(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	expectAlive(t, bob)
	createChat(t, alice, "c1", "bob")
	var stream []byte
	var want []string // the refs of the replies, in order
	ping := func(i int) {
		ref := fmt.Sprintf("p%d-%s", i, strings.Repeat("x", i%17))
		stream = append(stream, clientFrame(t, `{"type":"ping","ref":"`+ref+`"}`)...)
		want = append(want, ref)
	}
	for i := range 150 { // ~6 KB: a header lands across the 4 KB end
		ping(i)
	}
	big := strings.Repeat("b", 9000) // larger than the read buffer
	stream = append(stream, clientFrame(t, `{"type":"send_message","ref":"big","chat_id":"c1","client_msg_id":"m1","body":"`+big+`"}`)...)
	want = append(want, "big")
	frag := `{"type":"ping","ref":"frag"}`
	var fb bytes.Buffer
	_ = ws.WriteFrame(&fb, ws.MaskFrame(ws.NewFrame(ws.OpText, false, []byte(frag[:10]))))
	_ = ws.WriteFrame(&fb, ws.MaskFrame(ws.NewFrame(ws.OpContinuation, true, []byte(frag[10:]))))
	stream = append(stream, fb.Bytes()...)
	want = append(want, "frag")
	for i := 150; i < 200; i++ {
		ping(i)
	}
	if _, err := alice.Conn().Write(stream); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range want {
		f, err := alice.Expect(wait, func(f client.Frame) bool { return f.Ref() != "" })
		if err != nil {
			t.Fatalf("%d replies of %d, then: %v", len(got), len(want), err)
		}
		if f.Ref() == "big" { // acked after its append: it may come after later pongs
			testnode.MustType(t, f, "ack")
			continue
		}
		testnode.MustType(t, f, "pong")
		got = append(got, f.Ref())
	}
	pongs := slices.DeleteFunc(slices.Clone(want), func(r string) bool { return r == "big" })
	if !slices.Equal(got, pongs) {
		t.Fatalf("pongs %v,\nwant %v", got, pongs)
	}
	m, err := bob.Expect(wait, client.Is("message"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(m.Raw), big) {
		t.Fatalf("bob got %.80s…, not the 9,000-byte body", m.Raw)
	}
}
