package transport_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/transport"
)

func TestTokenCarriers(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	tok := testnode.Token(t, "alice")
	for name, via := range map[string]client.TokenVia{"header": client.ViaHeader, "query": client.ViaQuery, "subprotocol": client.ViaSubprotocol} {
		t.Run(name, func(t *testing.T) {
			c, err := client.Dial(context.Background(), n.URL, client.Options{Token: tok, Via: via})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Protocol != "linkup.v1" {
				t.Fatalf("selected subprotocol %q", c.Protocol)
			}
			expectAlive(t, c)
		})
	}
}

func TestBadTokensGet401AndAreRecorded(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	expired, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "alice",
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Hour))}).SignedString(testnode.Secret)
	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "alice"}).SignedString(testnode.Secret)
	noneAlg := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6OTk5OTk5OTk5OX0.x"
	otherKey, _ := transport.IssueToken([]byte("other"), "alice", nil, time.Hour)
	good := testnode.Token(t, "alice")
	cases := map[string]http.Header{
		"missing":        {},
		"malformed":      {"Authorization": {"Bearer not-a-jwt"}},
		"expired":        {"Authorization": {"Bearer " + expired}},
		"wrong key":      {"Authorization": {"Bearer " + otherKey}},
		"wrong scheme":   {"Authorization": {"Basic " + good}},
		"first is bad":   {"Authorization": {"Bearer " + otherKey, "Bearer " + good}},
		"comma joined 1": {"Authorization": {"Bearer " + expired + ", Bearer " + good}},
		"no exp":         {"Authorization": {"Bearer " + noExp}},
		"alg none":       {"Authorization": {"Bearer " + noneAlg}},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := client.Dial(context.Background(), n.URL, client.Options{Header: h})
			var he *client.HandshakeError
			if !errors.As(err, &he) || he.Status != http.StatusUnauthorized {
				t.Fatalf("want 401, got %v", err)
			}
		})
	}
	recs := storedEvents(t, n.Store, events.TypeErrorRecorded, len(cases))
	if len(recs) < len(cases) {
		t.Fatalf("%d refused handshakes recorded, want %d", len(recs), len(cases))
	}
	for _, r := range recs {
		if strings.Contains(string(r.Data), good) || strings.Contains(string(r.Data), expired) {
			t.Fatalf("a token leaked into an event: %s", r.Data)
		}
	}
}

func TestOddHeadersStillConnect(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	good := testnode.Token(t, "alice")
	cases := map[string]http.Header{
		"repeated, first malformed":   {"Authorization": {"Bearer ", "bearer " + good}},
		"comma joined, first garbage": {"Authorization": {"garbage, BEARER " + good}},
		"lower-case scheme":           {"Authorization": {"bearer " + good}},
		"list-valued protocol":        {"Sec-Websocket-Protocol": {"x, bearer." + good}},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := client.Dial(context.Background(), n.URL, client.Options{Header: h})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			expectAlive(t, c)
		})
	}
}

func TestHealthReadyAndMetrics(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200} {
		resp, err := http.Get(n.HTTP.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	n.Server.Drain()
	resp, err := http.Get(n.HTTP.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz while draining: %d", resp.StatusCode)
	}
}

// A token that expired a moment ago is refused at the handshake with 401:
// no leeway on exp, so no WebSocket is opened only to be closed with 1008
// and no ConnectionOpened is recorded (issue #11, item 7).
func TestJustExpiredTokenGets401(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: "alice",
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(-2 * time.Second))}).SignedString(testnode.Secret)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(context.Background(), n.URL, client.Options{Token: tok})
	if err == nil {
		_ = c.Close()
	}
	var he *client.HandshakeError
	if !errors.As(err, &he) || he.Status != http.StatusUnauthorized {
		t.Fatalf("token expired 2 s ago: %v, want HTTP 401", err)
	}
	if recs := storedEvents(t, n.Store, events.TypeErrorRecorded, 1); len(recs) == 0 {
		t.Fatal("refused handshake not recorded")
	}
	if recs := storedEvents(t, n.Store, events.TypeConnectionOpened, 0); len(recs) != 0 {
		t.Fatalf("%d ConnectionOpened recorded for an expired token", len(recs))
	}
}
