package transport_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
)

func revoke(t *testing.T, n *testnode.Node, tok, user string) int {
	t.Helper()
	status, _, _ := testnode.Do(t, http.MethodPost, n.HTTP.URL+"/v1/admin/revoke", tok, `{"user":"`+user+`","reason":"stolen laptop"}`)
	return status
}

func TestRevokedUserIsDisconnectedAndOldTokensRefused(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	old := testnode.Token(t, "bob")
	bob, err := client.Dial(context.Background(), n.URL, client.Options{Token: old})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	expectAlive(t, bob)
	if code := revoke(t, n, testnode.Token(t, "ana", "analyst"), "bob"); code != http.StatusForbidden {
		t.Fatalf("revoke without admin role: %d", code)
	}
	if code := revoke(t, n, testnode.Token(t, "root", "admin"), "bob"); code != http.StatusOK {
		t.Fatalf("revoke: %d", code)
	}
	f, err := bob.Expect(wait, client.Is("force_reconnect"))
	if err != nil || f.Str("reason") != "admin" {
		t.Fatalf("revoked connection: %v %s", err, f.Raw)
	}
	_, err = client.Dial(context.Background(), n.URL, client.Options{Token: old})
	var he *client.HandshakeError
	if !errors.As(err, &he) || he.Status != http.StatusUnauthorized {
		t.Fatalf("old token after revocation: %v", err)
	}
	// A token issued in the second of the revocation is refused (iat has
	// one-second precision): the point is that a fresh one works after it,
	// so this pause is the test's, not a poll.
	time.Sleep(1100 * time.Millisecond)
	fresh := n.Dial(t, "bob")
	expectAlive(t, fresh)
	if recs := storedEvents(t, n.Store, events.TypeUserRevoked, 1); len(recs) != 1 {
		t.Fatalf("%d UserRevoked stored", len(recs))
	}
}

func TestTokenExpiryEndsTheSession(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	tok, err := issueShort("alice", 1500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(context.Background(), n.URL, client.Options{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Expect(5*time.Second, func(client.Frame) bool { return false })
	if client.CloseCode(err) != 1008 {
		t.Fatalf("want close 1008 (token expired), got %v", err)
	}
}
