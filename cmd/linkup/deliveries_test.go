package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/replay"
	"github.com/linkup-chat/linkup/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// TestDeliveriesAgreeWithReplayAuditEndToEnd drives real WebSocket clients
// against a real node (post, deliver on one of bob's devices, read on the
// other, add a member, remove one, delete a message), runs the real
// projections and query API over the node's store, and asks
// GET /v1/deliveries and `linkup replay audit` (replay.Audit) about every
// seq of the chat: the answers must be the same, with each read model.
func TestDeliveriesAgreeWithReplayAuditEndToEnd(t *testing.T) {
	forEachReadModel(t, testDeliveriesAgreeWithReplayAuditEndToEnd)
}

func testDeliveriesAgreeWithReplayAuditEndToEnd(t *testing.T, rmURL string) {
	n := testnode.Start(t, testnode.Options{})
	base := startDeliveriesAPI(t, n, rmURL)
	alice, bob1, bob2, carol, dave := n.Dial(t, "alice"), n.Dial(t, "bob"), n.Dial(t, "bob"), n.Dial(t, "carol"), n.Dial(t, "dave")
	ok := func(c *client.Client, msg map[string]any) client.Frame {
		t.Helper()
		f := request(t, c, msg)
		if f.Type != "ack" {
			t.Fatalf("%v: %s", msg["type"], f.Raw)
		}
		return f
	}
	ok(alice, map[string]any{"type": "create_chat", "chat_id": "ops", "title": "Ops", "members": []string{"bob", "carol"}})
	ok(alice, map[string]any{"type": "send_message", "chat_id": "ops", "client_msg_id": "m1", "body": "hello"})
	if _, err := bob1.Expect(wait, client.Is("message")); err != nil {
		t.Fatal(err)
	}
	ok(bob1, map[string]any{"type": "delivery_receipt", "chat_id": "ops", "seq": 1})
	ok(bob2, map[string]any{"type": "read_receipt", "chat_id": "ops", "seq": 1})
	ok(alice, map[string]any{"type": "add_members", "chat_id": "ops", "members": []string{"dave"}}) // seq 2
	ok(alice, map[string]any{"type": "send_message", "chat_id": "ops", "client_msg_id": "m3", "body": "three"})
	ok(carol, map[string]any{"type": "delivery_receipt", "chat_id": "ops", "seq": 3})
	ok(dave, map[string]any{"type": "read_receipt", "chat_id": "ops", "seq": 3})
	// Receipts are recorded coalesced, within a second: wait for carol's
	// before she is removed (a receipt still pending at the removal is
	// acknowledged but not recorded).
	waitStored(t, n.Store, events.TypeMessagesDelivered, 2)
	ok(alice, map[string]any{"type": "remove_member", "chat_id": "ops", "user": "carol"}) // seq 4
	ok(alice, map[string]any{"type": "delete_message", "chat_id": "ops", "seq": 1})       // seq 5
	ok(bob1, map[string]any{"type": "delivery_receipt", "chat_id": "ops", "seq": 5})
	waitStored(t, n.Store, events.TypeMessagesDelivered, 3)
	waitDeliveriesProjected(t, n.Store, base)

	r, err := replay.New(replay.Config{Store: n.Store})
	if err != nil {
		t.Fatal(err)
	}
	answers := map[uint64]protocol.Deliveries{}
	for seq := uint64(1); seq <= 5; seq++ {
		want, err := r.Audit(context.Background(), replay.AuditQuery{Chat: "ops", Seq: seq})
		if err != nil {
			t.Fatal(err)
		}
		status, body := testnode.Get(t, fmt.Sprintf("%s/v1/deliveries?chat=ops&seq=%d", base, seq), analystToken(t, "analyst"))
		var got protocol.Deliveries
		if err := json.Unmarshal(body, &got); status != 200 || err != nil {
			t.Fatalf("seq %d: %d %s", seq, status, body)
		}
		if g, w := apiAuditString(got), replayAuditLine(want); g != w {
			t.Errorf("seq %d:\n/v1/deliveries %s\nreplay audit   %s", seq, g, w)
		}
		answers[seq] = got
	}
	// The story itself, so that agreeing is not agreeing on nothing.
	checkStory(t, answers)
}

func checkStory(t *testing.T, a map[uint64]protocol.Deliveries) {
	t.Helper()
	users := func(seq uint64) string {
		var us []string
		for _, it := range a[seq].Items {
			us = append(us, it.User)
		}
		return strings.Join(us, ",")
	}
	for seq, want := range map[uint64]string{1: "alice,bob,carol", 2: "alice,bob,carol,dave", 4: "alice,bob,dave", 5: "alice,bob,dave"} {
		if got := users(seq); got != want {
			t.Errorf("members at seq %d: %s, want %s", seq, got, want)
		}
	}
	bob := a[1].Items[1]
	if bob.DeliveredAt == nil || bob.DeliveredConnectionID == nil || bob.ReadAt == nil {
		t.Errorf("bob at seq 1: %+v, want delivered (one device) and read (the other)", bob)
	}
	if carol := a[3].Items[2]; carol.User != "carol" || carol.DeliveredAt == nil || carol.ReadAt != nil {
		t.Errorf("carol at seq 3: %+v, want delivered, not read", carol)
	}
	if dave := a[3].Items[3]; dave.User != "dave" || dave.DeliveredAt != nil || dave.ReadAt == nil {
		t.Errorf("dave at seq 3: %+v, want read, not delivered", dave)
	}
	if bob5 := a[5].Items[1]; bob5.DeliveredAt == nil || *bob5.DeliveredConnectionID != *bob.DeliveredConnectionID {
		t.Errorf("bob at seq 5: %+v, want delivered on the same device as seq 1", bob5)
	}
}

// TestDeliveriesAPIRefusesBadRequests: missing, malformed, repeated or
// unknown parameters get 400 naming the parameter; an item the read model
// does not hold gets 404; tokens as for every /v1 endpoint.
func TestDeliveriesAPIRefusesBadRequests(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	base := startDeliveriesAPI(t, n, "")
	tok := analystToken(t, "analyst")
	for _, c := range []struct {
		query, token string
		status       int
		code, param  string
	}{
		{"chat=ops", tok, 400, "invalid_parameter", "seq"},
		{"seq=1", tok, 400, "invalid_parameter", "chat"},
		{"chat=ops&seq=0", tok, 400, "invalid_parameter", "seq"},
		{"chat=ops&seq=-1", tok, 400, "invalid_parameter", "seq"},
		{"chat=ops&seq=x", tok, 400, "invalid_parameter", "seq"},
		{"chat=ops&seq=1&seq=2", tok, 400, "invalid_parameter", "seq"},
		{"chat=ops&seq=1&user=bob", tok, 400, "invalid_parameter", "user"},
		{"chat=" + strings.Repeat("c", 257) + "&seq=1", tok, 400, "invalid_parameter", "chat"},
		{"chat=ops&seq=1", tok, 404, "not_found", ""},
		{"chat=ops&seq=1", "", 401, "unauthorized", ""},
		{"chat=ops&seq=1", analystToken(t), 403, "forbidden", ""},
	} {
		status, body := testnode.Get(t, base+"/v1/deliveries?"+c.query, c.token)
		var e struct {
			Error struct{ Code, Parameter string }
		}
		if err := json.Unmarshal(body, &e); err != nil || status != c.status || e.Error.Code != c.code || e.Error.Parameter != c.param {
			t.Errorf("%s: %d %s, want %d %s naming %q", c.query, status, body, c.status, c.code, c.param)
		}
	}
}

// startDeliveriesAPI runs the real projections (into rmURL, or the SQLite
// read model in the node's data directory) and query handler over the
// node's store; it returns the API's base URL.
func startDeliveriesAPI(t *testing.T, n *testnode.Node, rmURL string) string {
	t.Helper()
	backend, stop, err := startProjections(context.Background(), n.Store, n.Dir, rmURL, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	h, err := transport.NewQueryHandler(transport.QueryConfig{Backend: backend, Secret: querySecret})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); _ = stop() })
	return srv.URL
}

// waitStored waits until the store holds at least min events of type typ.
func waitStored(t *testing.T, st events.Store, typ string, min int) {
	t.Helper()
	k := 0
	stored := func() bool {
		k = 0
		for _, err := range st.ReadAll(context.Background(), events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{typ}}}) {
			if err != nil {
				t.Fatal(err)
			}
			k++
		}
		return k >= min
	}
	if !poll.Within(wait, stored) {
		t.Fatalf("%d %s stored, want %d", k, typ, min)
	}
}

// waitDeliveriesProjected waits until every projection reached the head.
func waitDeliveriesProjected(t *testing.T, st events.Store, base string) {
	t.Helper()
	head, err := st.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok := analystToken(t, "analyst")
	poll.Until(t, wait, fmt.Sprintf("projections at %d", head), func() bool {
		_, body := testnode.Get(t, base+"/v1/projections", tok)
		var p struct{ Items []struct{ Checkpoint uint64 } }
		done := json.Unmarshal(body, &p) == nil && len(p.Items) > 0
		for _, it := range p.Items {
			done = done && it.Checkpoint >= head
		}
		return done
	})
}

func apiAuditString(a protocol.Deliveries) string {
	s := fmt.Sprintf("%s/%d %s:", a.ChatID, a.Seq, a.PostedAt.UTC().Format(time.RFC3339Nano))
	for _, it := range a.Items {
		s += fmt.Sprintf(" [%s %s %s %s]", it.User, stampOrDash(it.DeliveredAt), strOrDash(it.DeliveredConnectionID), stampOrDash(it.ReadAt))
	}
	return s
}

func replayAuditLine(a replay.Audit) string {
	s := fmt.Sprintf("%s/%d %s:", a.ChatID, a.Seq, a.PostedAt.UTC().Format(time.RFC3339Nano))
	for _, it := range a.Items {
		s += fmt.Sprintf(" [%s %s %s %s]", it.User, stampOrDash(it.DeliveredAt), strOrDash(it.DeliveredConnectionID), stampOrDash(it.ReadAt))
	}
	return s
}

func stampOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func strOrDash(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}
