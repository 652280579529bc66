package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
)

// The connect race (PROTOCOL.md section 11): a connection that never sends
// sync_request must still get, live and in seq order, the chat_created and
// every item of each chat its user is in from the moment it was accepted,
// even when it opens as the user is added to a chat, or while its node
// loads the chat. Each round below accepts a connection first and only then
// has another user create the chat, add the user, or post; the connection
// sends nothing at all.

const (
	raceRounds = 100
	// raceWait is how long a round waits for frames that must come; only a
	// round that misses them waits that long.
	raceWait = 5 * time.Second
)

// TestConnectWhileJoiningGetsEverything: one node. Per round a new user's
// connection opens, then alice, at once, creates a chat with them (even
// rounds) or adds them to a chat she is in (odd rounds), and posts twice.
// The connection must get chat_created, then every item from the one that
// made them a member on, in seq order.
func TestConnectWhileJoiningGetsEverything(t *testing.T) {
	n := newRaceNode(t, "n", nil)
	sa := openSocket()
	alice := n.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sa)
	alice.Handle(protocol.CreateChat{Ref: "home", ChatID: "home", Title: "t", Members: []string{"carol"}})
	waitFor(t, sa, `"ref":"home"`)
	var missed []string
	for i := range raceRounds {
		user := fmt.Sprintf("bob-%d", i)
		sb := openSocket()
		b := n.Connect(ConnInfo{ConnectionID: "k-" + user, UserID: user}, sb)
		chatID, want := fmt.Sprintf("c-%d", i), []string{"chat_created"}
		if i%2 == 0 {
			alice.Handle(protocol.CreateChat{Ref: "c" + chatID, ChatID: chatID, Title: "t", Members: []string{user}})
		} else {
			chatID = "home"
			alice.Handle(addMembers("a"+user, chatID, user))
			want = append(want, "members_changed")
		}
		for k := range 2 {
			ref := fmt.Sprintf("%s-%d", user, k)
			alice.Handle(protocol.SendMessage{Ref: ref, ChatID: chatID, ClientMsgID: ref, Body: "hi"})
			want = append(want, "message")
		}
		if got, ok := raceFrames(sb, chatID, len(want)); !ok || !sameKinds(got, want) {
			missed = append(missed, fmt.Sprintf("round %d (%s): got %v, want kinds %v", i, chatID, got, want))
		}
		b.Closed("round over")
	}
	if len(missed) > 0 {
		t.Fatalf("%d of %d rounds missed frames:\n%s", len(missed), raceRounds, strings.Join(missed, "\n"))
	}
}

// TestConnectWhileLoadingGetsEverything: two nodes on one log. Per round
// alice creates a chat with a new user on node a; once node b's directory
// lists it (so a connection there subscribes to it, and b loads it), the
// user's connection opens on b and alice at once posts three messages. The
// connection must get all three, in seq order, though b may load the chat
// with some of them already stored (they then never come to b as live
// items).
func TestConnectWhileLoadingGetsEverything(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := newRaceNode(t, "a", st)
	b := newRaceNode(t, "b", st)
	sa := openSocket()
	alice := a.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sa)
	var missed []string
	for i := range raceRounds {
		user, chatID := fmt.Sprintf("bob-%d", i), fmt.Sprintf("c-%d", i)
		alice.Handle(protocol.CreateChat{Ref: "c" + chatID, ChatID: chatID, Title: "t", Members: []string{user}})
		waitFor(t, sa, `"ref":"c`+chatID+`"`)
		poll.Until(t, raceWait, "node b's directory lists "+chatID, func() bool {
			return strings.Contains(fmt.Sprint(b.dir.ChatsOf(user)), chatID)
		})
		sb := openSocket()
		bob := b.Connect(ConnInfo{ConnectionID: "k-" + user, UserID: user}, sb)
		var want []string
		for k := range 3 {
			ref := fmt.Sprintf("%s-%d", user, k)
			alice.Handle(protocol.SendMessage{Ref: ref, ChatID: chatID, ClientMsgID: ref, Body: "hi"})
			want = append(want, "message")
		}
		got, ok := raceFrames(sb, chatID, 3, "message")
		if !ok || !sameKinds(got, want) {
			missed = append(missed, fmt.Sprintf("round %d: got %v, want 3 messages", i, got))
		}
		bob.Closed("round over")
	}
	if len(missed) > 0 {
		t.Fatalf("%d of %d rounds missed messages:\n%s", len(missed), raceRounds, strings.Join(missed, "\n"))
	}
}

func newRaceNode(t *testing.T, name string, st *embedded.Store) *Node {
	t.Helper()
	if st == nil {
		var err error
		if st, err = embedded.Open(embedded.Config{Dir: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
	}
	// SyncWait 10 ms: the connections send no first frame, so what they
	// hold back goes out that soon.
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, Name: name, SyncWait: 10 * time.Millisecond,
		Limits: Limits{MessagesPerSecond: 1e6, FramesPerSecond: 1e6, ChatsPerSecond: 1e6}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func addMembers(ref, chatID string, users ...string) protocol.Command {
	cmd, err := protocol.Decode([]byte(fmt.Sprintf(`{"type":"add_members","ref":%q,"chat_id":%q,"members":%q}`, ref, chatID, users)))
	if err != nil {
		panic(err)
	}
	return cmd
}

// raceFrames waits up to raceWait for want frames of chatID (of the kinds
// given, or any chat frame but typing, read and delivered pointers) on s
// and returns them as "kind" or "kind:seq", in the order s got them; ok is
// false when fewer came.
func raceFrames(s *gatedSocket, chatID string, want int, kinds ...string) (got []string, ok bool) {
	collect := func() []string {
		frames, _ := s.state()
		var out []string
		for _, f := range frames {
			var m struct {
				Type   string `json:"type"`
				ChatID string `json:"chat_id"`
				Seq    uint64 `json:"seq"`
			}
			if json.Unmarshal([]byte(f), &m) != nil || m.ChatID != chatID {
				continue
			}
			switch {
			case len(kinds) > 0 && !strings.Contains(strings.Join(kinds, " "), m.Type):
			case m.Type == "typing" || m.Type == "read" || m.Type == "delivered":
			case m.Seq == 0:
				out = append(out, m.Type)
			default:
				out = append(out, fmt.Sprintf("%s:%d", m.Type, m.Seq))
			}
		}
		return out
	}
	ok = poll.Within(raceWait, func() bool { return len(collect()) >= want })
	return collect(), ok
}

// sameKinds reports whether got is want's kinds exactly, and every seq in
// got rises by one from the first.
func sameKinds(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	var last uint64
	for i, g := range got {
		kind, seq, _ := strings.Cut(g, ":")
		if kind != want[i] {
			return false
		}
		if seq == "" {
			continue
		}
		var s uint64
		fmt.Sscan(seq, &s)
		if last != 0 && s != last+1 {
			return false
		}
		last = s
	}
	return true
}
