package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserHistoryScrollBackAndFailedSend: a chat with 120 messages
// opens on the newest 50; scrolling up loads the older pages
// (get_history before_seq) until all 120 show once, in seq order. A body
// the server refuses (over 16 KiB) shows as failed with a Retry button and
// is not stored. A token the server refuses leaves the page saying it
// cannot connect.
func TestBrowserHistoryScrollBackAndFailedSend(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	p := startServe(t, dir, "--rate-messages", "10000", "--rate-frames", "10000")
	base := "http://" + p.addr
	alice := dial(t, p.url(), tokenFor(t, dir, "alice"))
	if f := request(t, alice, map[string]any{"type": "create_chat", "chat_id": "long", "title": "long", "members": []string{"bob"}}); f.Type != "ack" {
		t.Fatalf("create_chat: %s", f.Raw)
	}
	const total = 120
	for i := 1; i <= total; i++ {
		f := request(t, alice, map[string]any{"type": "send_message", "chat_id": "long", "client_msg_id": fmt.Sprint(i), "body": fmt.Sprintf("m%d", i)})
		if f.Type != "ack" {
			t.Fatalf("send %d: %s", i, f.Raw)
		}
	}

	bob := newTab(t, browser, "bob")
	bob.signIn(base, "/", tokenFor(t, dir, "bob"))
	bob.waitJS("online", isOnline, 20*time.Second)
	bob.waitJS("chat listed", `document.querySelector('#chats .chat-item[data-chat-id="long"]')`, 10*time.Second)
	bob.do("open", chromedp.Click(chromedp.CSS(`#chats .chat-item[data-chat-id="long"]`)))
	bob.waitJS("newest page", `document.querySelectorAll('#messages li.msg').length === 50`, 10*time.Second)
	if first := eval[string](bob, `document.querySelector('#messages li.msg .body').textContent`); first != "m71" {
		t.Fatalf("the first page starts at %q, want m71", first)
	}
	bob.waitJS("scrolled back to the start", `(() => {
		const l = document.querySelector('#messages');
		const n = l.querySelectorAll('li.msg').length;
		if (n < `+fmt.Sprint(total)+`) { l.scrollTop = 0; l.dispatchEvent(new Event('scroll')); }
		return n === `+fmt.Sprint(total)+` && !l.querySelector('li.more');
	})()`, 20*time.Second)
	bodies := eval[[]string](bob, bodiesJS)
	for i, b := range bodies {
		if b != fmt.Sprintf("m%d", i+1) {
			t.Fatalf("item %d is %q: %q", i, b, bodies)
		}
	}

	tooBig := strings.Repeat("é", 9000) // 18,000 bytes: over the 16 KiB limit
	sendMessage(bob, tooBig)
	bob.waitJS("failed", `(() => {
		const li = document.querySelector('#messages li[data-state=failed]');
		return li && li.querySelector('button.retry') && li.textContent.includes('invalid_payload');
	})()`, 10*time.Second)
	bob.do("retry", chromedp.Click(chromedp.CSS("#messages li[data-state=failed] button.retry")))
	bob.waitJS("failed again", `document.querySelector('#messages li[data-state=failed] button.retry')`, 10*time.Second)
	if n := len(chatMessages(t, dir, "long")); n != total {
		t.Fatalf("the log holds %d messages, want %d: a refused body was stored", n, total)
	}
	bob.checkClean()

	mallory := newTab(t, browser, "mallory")
	mallory.signIn(base, "/", "not-a-token")
	mallory.waitJS("cannot connect", `document.querySelector('#status').textContent.includes('cannot connect')`, 20*time.Second)
}
