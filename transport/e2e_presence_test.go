package transport_test

import (
	"testing"
	"time"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// presenceOf returns get_presence's answer as user -> (status, last_seen).
func presenceOf(t *testing.T, c *client.Client, users ...string) map[string][2]string {
	t.Helper()
	f := testnode.MustType(t, call(t, c, map[string]any{"type": "get_presence", "users": users}), "presence_state")
	var v struct {
		Users []struct {
			User     string  `json:"user"`
			Status   string  `json:"status"`
			LastSeen *string `json:"last_seen"`
		} `json:"users"`
	}
	if err := f.Decode(&v); err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	for _, u := range v.Users {
		last := "null"
		if u.LastSeen != nil {
			last = *u.LastSeen
		}
		out[u.User] = [2]string{u.Status, last}
	}
	return out
}

// TestPresenceGoesToWhoSharesAChatAndSurvivesARestart: a user's first
// connection tells the users who share a chat with them (online); a quick
// reconnect within the grace period says nothing; the last connection
// closing says offline with last_seen after the grace period;
// get_presence answers strangers with unknown; last_seen comes back from
// the log after a restart.
func TestPresenceGoesToWhoSharesAChatAndSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts := testnode.Options{Store: st, Actors: actors.Config{PresenceGrace: 300 * time.Millisecond}}
	n := testnode.Start(t, opts)
	alice := n.Dial(t, "alice")
	createChat(t, alice, "c1", "bob")
	bob := n.Dial(t, "bob")
	f, err := alice.Expect(wait, client.Is("presence"))
	if err != nil || f.Str("user") != "bob" || f.Str("status") != "online" {
		t.Fatalf("presence on bob's first connection: %s %v", f.Raw, err)
	}
	got := presenceOf(t, alice, "bob", "alice", "zed")
	if got["bob"] != [2]string{"online", "null"} || got["alice"][0] != "online" || got["zed"] != [2]string{"unknown", "null"} {
		t.Fatalf("get_presence %v", got)
	}
	if s := presenceOf(t, n.Dial(t, "zed"), "bob"); s["bob"][0] != "unknown" {
		t.Fatalf("a stranger learned bob's presence: %v", s)
	}
	// A quick reconnect: nothing; then the last close: offline, once.
	bob.Close()
	bob = n.Dial(t, "bob")
	expectAlive(t, bob)
	bob.Close()
	f, err = alice.Expect(wait, client.Is("presence"))
	if err != nil || f.Str("status") != "offline" || f.Str("last_seen") == "" {
		t.Fatalf("first presence after the reconnect and the close: %s %v (a reconnect within the grace period must say nothing)", f.Raw, err)
	}
	lastSeen := presenceOf(t, alice, "bob")["bob"]
	if lastSeen[0] != "offline" || lastSeen[1] == "null" {
		t.Fatalf("after the grace period: %v", lastSeen)
	}

	n.Stop()
	n2 := testnode.Start(t, opts)
	again := presenceOf(t, n2.Dial(t, "alice"), "bob")["bob"]
	if again[0] != "offline" || again[1] == "null" {
		t.Fatalf("after a restart: %v, want offline with a last_seen", again)
	}
	testnode.ExpectError(t, call(t, n2.Dial(t, "alice"), map[string]any{"type": "get_presence", "users": make([]string, 501)}), "invalid_payload")
}

// TestPresenceFanOutIsBounded: chats over PresenceMaxChatMembers members
// carry no presence, and one change reaches at most PresenceMaxAudience
// users (the cut is counted).
func TestPresenceFanOutIsBounded(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Actors: actors.Config{PresenceGrace: 50 * time.Millisecond,
		PresenceMaxChatMembers: 3, PresenceMaxAudience: 2}})
	alice := n.Dial(t, "alice")
	createChat(t, alice, "big", "bob", "carol", "dave") // 4 members: no presence through it
	createChat(t, alice, "small", "erin", "frank")      // 3 members
	createChat(t, alice, "small2", "gina")              // 2 members, but the audience is full by then
	erin, gina, bob := n.Dial(t, "erin"), n.Dial(t, "gina"), n.Dial(t, "bob")
	for _, c := range []*client.Client{erin, gina, bob} {
		expectAlive(t, c)
	}
	alice.Close()
	if f, err := erin.Expect(wait, func(f client.Frame) bool { return f.Type == "presence" && f.Str("user") == "alice" }); err != nil || f.Str("status") != "offline" {
		t.Fatalf("erin: %s %v", f.Raw, err)
	}
	for _, c := range []*client.Client{gina, bob} {
		if err := c.Send(map[string]any{"type": "ping", "ref": "barrier"}); err != nil {
			t.Fatal(err)
		}
		for {
			f, err := c.Next(wait)
			if err != nil {
				t.Fatal(err)
			}
			if f.Type == "pong" {
				break
			}
			if f.Type == "presence" && f.Str("user") == "alice" {
				t.Fatalf("presence past the bound: %s", f.Raw)
			}
		}
	}
	if got := testnode.Metric(t, n.Reg, "linkup_presence_audience_truncated_total", "", ""); got < 1 {
		t.Fatalf("truncated audiences counted: %v", got)
	}
}
