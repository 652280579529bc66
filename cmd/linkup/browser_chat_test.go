package main

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const isOnline = `document.querySelector('#status').dataset.state === 'online'`

// TestBrowserChatTwoUsersAndCatchUp: alice and bob chat in two real
// browsers against `linkup serve`. Markup in a chat title and in a body
// shows as text (no element made, no script run); typing, unread counts
// and read marks reach the other side. Then the server stops (SIGTERM) and
// restarts on the same port and data: alice's messages written while it
// was down stay pending and are acknowledged after the restart, bob, kept
// offline a little longer, catches up by sync_request, and in both
// browsers every message shows exactly once, in seq order.
func TestBrowserChatTwoUsersAndCatchUp(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	p := startServe(t, dir)
	base := "http://" + p.addr
	aliceTok, bobTok := tokenFor(t, dir, "alice"), tokenFor(t, dir, "bob")
	alice, bob := newTab(t, browser, "alice"), newTab(t, browser, "bob")
	alice.signIn(base, "/", aliceTok)
	bob.signIn(base, "/", bobTok)
	alice.waitJS("online", isOnline, 20*time.Second)
	bob.waitJS("online", isOnline, 20*time.Second)

	title := `<img src=x onerror=alert(1)>Ops <b>room</b>`
	createChat(alice, title, "bob")
	bob.waitJS("chat listed", `[...document.querySelectorAll('#chats .chat-title')].some(e => e.textContent === `+jsString(title)+`)`, 10*time.Second)
	if n := eval[int](bob, `document.querySelectorAll('#chats img, #chats b, #conv-title img').length`); n != 0 {
		t.Fatalf("the chat title made %d elements, want text only", n)
	}
	bob.do("open chat", chromedp.Click(chromedp.CSS(`#chats .chat-item`)))
	bob.waitJS("chat open", `!document.querySelector('#composer').hidden`, 5*time.Second)

	markup := `<script>alert("x")</script><img src=x onerror=alert(2)> hello bob`
	sendMessage(alice, markup)
	bob.waitJS("markup body as text", bodiesJS+`.includes(`+jsString(markup)+`)`, 10*time.Second)
	if n := eval[int](bob, `document.querySelectorAll('#messages script, #messages img').length`); n != 0 {
		t.Fatalf("a message body made %d elements, want text only", n)
	}

	bob.do("type", chromedp.SendKeys(chromedp.CSS("#body"), "hi ali"))
	alice.waitJS("typing shown", `document.querySelector('#typing').textContent.includes('bob is typing')`, 10*time.Second)
	bob.do("finish", chromedp.SetValue(chromedp.CSS("#body"), "hi alice"), chromedp.Click(chromedp.CSS("#composer button[type=submit]")))
	alice.waitJS("reply", bodiesJS+`.includes("hi alice")`, 10*time.Second)
	alice.waitJS("read mark", `[...document.querySelectorAll('#messages .seen')].some(e => e.textContent.includes('bob'))`, 10*time.Second)

	createChat(alice, "side", "bob")
	sendMessage(alice, "side one")
	sendMessage(alice, "side two")
	bob.waitJS("unread badge 2", `[...document.querySelectorAll('#chats .chat-item')].some(b => b.textContent.startsWith('side') && b.querySelector('.badge')?.textContent === '2')`, 10*time.Second)
	bob.screenshot("chat")
	openChat(alice, title)
	alice.waitJS("first chat open", `document.querySelector('#conv-title').textContent === `+jsString(title), 5*time.Second)

	// The server goes away; bob's network goes down too.
	setOffline(t, bob, true)
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	alice.waitJS("alice sees the outage", `!(`+isOnline+`)`, 10*time.Second)
	bob.waitJS("bob sees the outage", `!(`+isOnline+`)`, 10*time.Second)
	for i := 1; i <= 3; i++ {
		sendMessage(alice, fmt.Sprintf("while down %d", i))
	}
	alice.waitJS("three pending", `document.querySelectorAll('#messages li[data-state=pending]').length === 3`, 5*time.Second)
	alice.screenshot("chat-reconnecting")

	p = startServe(t, dir, "--addr", p.addr)
	alice.waitJS("alice back online", isOnline, 30*time.Second)
	alice.waitJS("pending acknowledged", `document.querySelectorAll('#messages li[data-state=pending], #messages li[data-state=failed]').length === 0`, 20*time.Second)
	sendMessage(alice, "after restart")
	alice.waitJS("acked", bodiesJS+`.includes("after restart") && !document.querySelector('#messages li[data-state=pending]')`, 10*time.Second)

	if eval[bool](bob, isOnline) || eval[bool](bob, bodiesJS+`.includes("while down 1")`) {
		t.Fatal("bob got the messages while his network was down: the catch-up path was not exercised")
	}
	setOffline(t, bob, false)
	bob.waitJS("bob back online", isOnline, 30*time.Second)
	want := []string{markup, "hi alice", "while down 1", "while down 2", "while down 3", "after restart"}
	bob.waitJS("bob caught up", bodiesJS+`.includes("after restart")`, 20*time.Second)
	for _, tb := range []*tab{alice, bob} {
		checkTimeline(t, tb, want)
		tb.checkClean()
		tb.checkNoTokenInURLs(map[*tab]string{alice: aliceTok, bob: bobTok}[tb])
	}
	if got := chatMessages(t, dir, activeChatID(t, alice)); len(got) != len(want) {
		t.Fatalf("the log holds %d messages, want %d (a retry stored twice?)", len(got), len(want))
	}
}

// bodiesJS is the list of message bodies the open chat shows, in order.
const bodiesJS = `[...document.querySelectorAll('#messages li.msg .body')].map(e => e.textContent)`

func createChat(tb *tab, title, members string) {
	tb.t.Helper()
	setInput(tb, "#new-title", title)
	setInput(tb, "#new-members", members) // chromedp.SetValue refuses ""
	tb.do("create chat "+title, chromedp.Click(chromedp.CSS("#new-chat button[type=submit]")))
	tb.waitJS("chat open", `document.querySelector('#conv-title').textContent === `+jsString(title), 10*time.Second)
}

func sendMessage(tb *tab, body string) {
	tb.t.Helper()
	tb.do("send "+body,
		chromedp.SetValue(chromedp.CSS("#body"), body),
		chromedp.Click(chromedp.CSS("#composer button[type=submit]")))
}

// checkTimeline: the open chat shows exactly want, each once, in seq
// order, all acknowledged.
func checkTimeline(t *testing.T, tb *tab, want []string) {
	t.Helper()
	got := eval[[]string](tb, bodiesJS)
	if !slices.Equal(got, want) {
		t.Errorf("%s shows %q, want %q", tb.name, got, want)
	}
	seqs := eval[[]int](tb, `[...document.querySelectorAll('#messages li.msg')].map(e => Number(e.dataset.seq || 0))`)
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("%s: seqs %v not increasing", tb.name, seqs)
		}
	}
}

// openChat clicks the chat with this title in the list.
func openChat(tb *tab, title string) {
	tb.t.Helper()
	eval[bool](tb, `(([...document.querySelectorAll('#chats .chat-item')].find(b => b.querySelector('.chat-title').textContent === `+jsString(title)+`)).click(), true)`)
}

func activeChatID(t *testing.T, tb *tab) string {
	t.Helper()
	return eval[string](tb, `document.querySelector('#chats li.active .chat-item').dataset.chatId`)
}

// setOffline cuts (or restores) the tab's network, WebSockets included,
// and tells the page (navigator.onLine and its online/offline events), as
// a laptop losing its Wi-Fi would.
func setOffline(t *testing.T, tb *tab, offline bool) {
	t.Helper()
	err := chromedp.Do(tb.ctx, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}},
		})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, target, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
	if err != nil {
		t.Fatalf("%s: offline=%v: %v", tb.name, offline, err)
	}
}
