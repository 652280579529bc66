package main

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/transport"
)

// TestSecretsNeverLeak runs a session with good, expired and wrongly signed
// tokens over every token carrier, bad frames and a refused query, then
// greps the server's logs, every file of the data directory (event log,
// read model, their WAL files) and every frame the clients received for the
// JWT secret and for each token (and its signature alone).
func TestSecretsNeverLeak(t *testing.T) {
	const secret = "S3cr3t-linkup-jwt-key-7f1c2e9a"
	t.Setenv("LINKUP_JWT_SECRET", secret)
	dir := t.TempDir()
	p := startServe(t, dir)
	good := tokenFor(t, dir, "alice")
	analyst := tokenFor(t, dir, "ana", "--role", "analyst")
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(-time.Minute).Unix()}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := transport.IssueToken([]byte("not-the-secret"), "alice", nil, time.Hour)
	var frames bytes.Buffer
	secretSession(t, p, good, &frames)
	for _, bad := range []string{expired, forged, good + "x"} {
		for _, via := range []client.TokenVia{client.ViaHeader, client.ViaQuery, client.ViaSubprotocol} {
			if _, err := client.Dial(context.Background(), p.url(), client.Options{Token: bad, Via: via}); err == nil {
				t.Fatalf("a bad token was accepted (via %d)", via)
			}
		}
	}
	for _, tok := range []string{good, analyst, expired, forged} {
		queryWithToken(t, p, "/v1/errors?limit=5&token="+tok, &frames)
		queryWithToken(t, p, "/v1/read-states?bogus=1&token="+tok, &frames)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	haystacks := map[string][]byte{"server logs": []byte(p.logs.String()), "frames and HTTP answers": frames.Bytes()}
	addDataFiles(t, dir, haystacks)
	needles := map[string]string{"the JWT secret": secret}
	for name, tok := range map[string]string{"good token": good, "analyst token": analyst, "expired token": expired, "forged token": forged} {
		needles[name] = tok
		needles[name+" signature"] = tok[strings.LastIndexByte(tok, '.')+1:]
	}
	for hay, data := range haystacks {
		for what, needle := range needles {
			if bytes.Contains(data, []byte(needle)) {
				t.Errorf("%s found in %s", what, hay)
			}
		}
	}
	if len(haystacks) < 4 {
		t.Fatalf("only %d places searched: the data directory was not read", len(haystacks))
	}
}

// secretSession exercises the paths that produce errors and events.
func secretSession(t *testing.T, p *proc, tok string, frames *bytes.Buffer) {
	t.Helper()
	c := dial(t, p.url(), tok)
	msgs := []map[string]any{
		{"type": "create_chat", "chat_id": "c1", "title": "t"},
		{"type": "send_message", "chat_id": "c1", "client_msg_id": "1", "body": "hello"},
		{"type": "send_message", "chat_id": "nope", "client_msg_id": "1", "body": "x"},
		{"type": "bogus"},
		{"type": "get_connection_status"},
	}
	for _, m := range msgs {
		frames.Write(request(t, c, m).Raw)
	}
	_ = c.SendRaw(1, []byte("{not json"))
	for range 3 {
		if f, err := c.Next(300 * time.Millisecond); err == nil {
			frames.Write(f.Raw)
		}
	}
}

func queryWithToken(t *testing.T, p *proc, path string, out *bytes.Buffer) {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = out.ReadFrom(resp.Body)
	for k, v := range resp.Header {
		out.WriteString(k + ": " + strings.Join(v, ",") + "\n")
	}
}

// addDataFiles adds every file of dir except the secret file.
func addDataFiles(t *testing.T, dir string, into map[string][]byte) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == secretFile {
			return err
		}
		b, err := os.ReadFile(path)
		into[path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
