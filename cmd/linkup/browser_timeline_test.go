package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserChatTimelineV11: the timeline v1.1 from the chat page, in two
// real browsers against `linkup serve`. Alice edits and deletes her own
// message with the controls on it; bob's browser shows the new body marked
// "(edited)" and "message deleted" with the old body gone from the page,
// and bob gets no such controls on alice's messages. Membership from the
// members panel: alice adds bob and carol (bob's browser lists the chat),
// sees bob online and carol offline, removes carol (only the creator has
// that control); bob's sign-out and sign-in turn his dot offline and
// online at alice's (presence frames); bob leaves and the chat goes from
// his list. Delivery:
// bob's browser sends delivery_receipt (at most one per chat a second) and
// alice's own messages show "delivered". Then the analyst console's
// delivery audit of one of alice's messages shows bob delivered and read.
func TestBrowserChatTimelineV11(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	p := startServe(t, dir, "--presence-grace", "300ms")
	base := "http://" + p.addr
	aliceTok, bobTok := tokenFor(t, dir, "alice"), tokenFor(t, dir, "bob")
	anaTok := tokenFor(t, dir, "ana", "--role", "analyst")
	alice, bob := newTab(t, browser, "alice"), newTab(t, browser, "bob")
	alice.signIn(base, "/", aliceTok)
	bob.signIn(base, "/", bobTok)
	alice.waitJS("online", isOnline, 20*time.Second)
	bob.waitJS("online", isOnline, 20*time.Second)

	// Members: alice makes a chat alone and adds bob and carol from the
	// members panel; bob's browser lists the chat, alice sees bob online
	// (get_presence after the add) and carol, never connected, offline.
	const room = "v1.1 room"
	createChat(alice, room, "")
	alice.waitJS("members panel", `!document.querySelector('#members-panel').hidden && `+membersJS+`.join() === "alice"`, 10*time.Second)
	if eval[bool](bob, chatListedJS(room)) {
		t.Fatal("bob sees a chat he is not in")
	}
	alice.do("add members",
		chromedp.SetValue(chromedp.CSS("#add-ids"), "bob, carol"),
		chromedp.Click(chromedp.CSS("#add-members button[type=submit]")))
	bob.waitJS("chat appears for bob", chatListedJS(room), 10*time.Second)
	alice.waitJS("bob online, carol offline", `(() => {
		const p = Object.fromEntries([...document.querySelectorAll('#members li')].map(l => [l.dataset.user, l.dataset.presence]));
		return p.bob === 'online' && p.carol === 'offline' && p.alice === 'online';
	})()`, 10*time.Second)
	// Only the creator removes others.
	alice.do("remove carol", chromedp.Click(chromedp.CSS(`#members li[data-user="carol"] button.remove`)))
	alice.waitJS("carol removed", membersJS+`.join() === "alice,bob"`, 10*time.Second)
	sendMessage(alice, "first draft")
	sendMessage(alice, "to be deleted")
	sendMessage(alice, "stays")
	alice.waitJS("three acked", bodiesJS+`.length === 3 && !document.querySelector('#messages li[data-state=pending]')`, 10*time.Second)
	openChat(bob, room)
	bob.waitJS("bob sees three", bodiesJS+`.join('|') === "first draft|to be deleted|stays"`, 10*time.Second)
	bob.waitJS("bob sees the members", membersJS+`.join() === "alice,bob"`, 10*time.Second)
	if n := eval[int](bob, `document.querySelectorAll('#members button.remove').length`); n != 0 {
		t.Fatalf("bob, not the creator, has %d remove controls", n)
	}
	// Delivery: bob's browser confirms what it received; alice's own
	// messages show "delivered". A burst of five messages gets few
	// receipts from bob, never two for one chat within a second.
	alice.waitJS("delivered to bob", `(() => {
		const d = [...document.querySelectorAll('#messages li.msg.mine')].map(l => l.querySelector('.delivered')?.title || '');
		return d.length === 3 && d.every(t => t === 'delivered to bob');
	})()`, 10*time.Second)
	for i := 1; i <= 5; i++ {
		sendMessage(alice, fmt.Sprintf("burst %d", i))
	}
	bob.waitJS("burst received", bodiesJS+`.includes("burst 5")`, 10*time.Second)
	alice.waitJS("burst delivered", `[...document.querySelectorAll('#messages li.msg.mine')].at(-1).querySelector('.delivered')?.title === 'delivered to bob'`, 10*time.Second)
	checkReceiptPacing(t, bob)
	bob.waitJS("alice online for bob", `document.querySelector('#members li[data-user="alice"]').dataset.presence === 'online'`, 10*time.Second)

	// Edit: alice's own message has the control; bob's view follows.
	editMessage(alice, "first draft", `final <b>text</b>`)
	alice.waitJS("edited at alice", bodiesJS+`[0] === "final <b>text</b>"`, 10*time.Second)
	bob.waitJS("edited at bob", `(() => {
		const li = document.querySelector('#messages li.msg');
		return li.querySelector('.body').textContent === "final <b>text</b>" && li.querySelector('.edited')?.textContent.includes('(edited)');
	})()`, 10*time.Second)
	if n := eval[int](bob, `document.querySelectorAll('#messages b').length`); n != 0 {
		t.Fatalf("an edited body made %d elements, want text only", n)
	}
	// Delete: the body goes away in both browsers.
	// Delete takes two clicks: "delete", then "really delete?".
	row := msgRow(alice, "to be deleted")
	alice.do("delete", chromedp.Click(chromedp.CSS(row+` button.delete`)), chromedp.WaitVisible(chromedp.CSS(row+` button.delete.confirm`)))
	if !eval[bool](bob, bodiesJS+`.includes("to be deleted")`) {
		t.Fatal("one click deleted the message")
	}
	alice.do("confirm delete", chromedp.Click(chromedp.CSS(row+` button.delete.confirm`)))
	for _, tb := range []*tab{alice, bob} {
		tb.waitJS("deleted shown", `(() => {
			const li = [...document.querySelectorAll('#messages li.msg')][1];
			return li.classList.contains('deleted') && li.querySelector('.body').textContent === 'message deleted';
		})()`, 10*time.Second)
		if eval[bool](tb, `document.querySelector('#messages').textContent.includes('to be deleted')`) {
			t.Fatalf("%s still shows the deleted body", tb.name)
		}
	}
	if n := eval[int](bob, `document.querySelectorAll('#messages button.edit, #messages button.delete').length`); n != 0 {
		t.Fatalf("bob has %d edit/delete controls on alice's messages", n)
	}
	if n := eval[int](alice, `document.querySelectorAll('#messages li.deleted button.edit, #messages li.deleted button.delete').length`); n != 0 {
		t.Fatalf("a deleted message still has %d controls", n)
	}
	alice.screenshot("chat-v11")

	// The analyst console audits the delivery of "stays": bob's device
	// delivered it (on a connection) and bob read it; alice, the sender,
	// read it when she posted it.
	chatID := activeChatID(t, alice)
	seq := eval[int](alice, `Number(document.querySelector(`+jsString(msgRow(alice, "stays"))+`).dataset.seq)`)
	ana := newTab(t, browser, "ana")
	ana.signIn(base, "/console", anaTok)
	ana.waitJS("console shown", `!document.querySelector('#app').hidden`, 10*time.Second)
	setInput(ana, "#a-chat", chatID)
	setInput(ana, "#a-seq", fmt.Sprint(seq))
	ana.do("audit", chromedp.Click(chromedp.CSS("#audit-form button[type=submit]")))
	// The read model is asynchronous: audit again until bob's row is full.
	ana.waitJS("bob delivered and read", `(() => {
		const row = document.querySelector('#audit-body tr[data-user="bob"]');
		const ok = !!row && [...row.cells].slice(1).every(c => c.textContent !== '—' && c.textContent !== '');
		if (!ok) `+again("#audit-form")+`;
		return ok;
	})()`, 20*time.Second)
	audit := eval[[][]string](ana, `[...document.querySelectorAll('#audit-body tr')].map(r => [...r.cells].map(c => c.textContent))`)
	if len(audit) != 2 || audit[0][0] != "alice" || audit[1][0] != "bob" || audit[0][3] == "—" {
		t.Fatalf("audit rows %q, want alice (read) and bob", audit)
	}
	if !strings.Contains(eval[string](ana, `document.querySelector('#audit-info').textContent`), fmt.Sprintf("seq %d", seq)) {
		t.Fatal("the audit does not name the seq")
	}
	ana.screenshot("console-audit")
	ana.checkNoTokenInURLs(anaTok)
	ana.checkClean()

	// Presence frames: bob signs out and alice's dot for him turns
	// offline (after the grace period); he signs in again and it turns
	// online, without alice asking.
	bob.do("sign out", chromedp.Click(chromedp.CSS("#signout")))
	alice.waitJS("bob offline", `document.querySelector('#members li[data-user="bob"]').dataset.presence === 'offline'`, 10*time.Second)
	bob.signIn(base, "/", bobTok)
	bob.waitJS("online again", isOnline, 20*time.Second)
	alice.waitJS("bob online again", `document.querySelector('#members li[data-user="bob"]').dataset.presence === 'online'`, 10*time.Second)
	openChat(bob, room)
	bob.waitJS("chat open again", `!document.querySelector('#members-panel').hidden`, 10*time.Second)

	// Bob leaves: the chat goes from his list, and from alice's members.
	bob.do("leave", chromedp.Click(chromedp.CSS("#leave")))
	bob.waitJS("chat gone for bob", `!`+chatListedJS(room)+` && document.querySelector('#members-panel').hidden`, 10*time.Second)
	alice.waitJS("bob gone for alice", membersJS+`.join() === "alice"`, 10*time.Second)
	alice.waitJS("left shown", `[...document.querySelectorAll('#messages li.system')].some(l => l.textContent === 'bob left')`, 10*time.Second)

	for _, tb := range []*tab{alice, bob} {
		tb.checkClean()
	}
}

// membersJS is the list of user ids the members panel shows.
const membersJS = `[...document.querySelectorAll('#members li')].map(l => l.dataset.user)`

// checkReceiptPacing: the page sent delivery receipts, at most one per
// chat a second (by the browser's own clock, so a slow machine can only
// widen the gaps).
func checkReceiptPacing(t *testing.T, tb *tab) {
	t.Helper()
	last := map[string]float64{}
	n := 0
	for _, f := range tb.sentFrames() {
		var m struct {
			Type   string `json:"type"`
			ChatID string `json:"chat_id"`
		}
		if json.Unmarshal([]byte(f.payload), &m) != nil || m.Type != "delivery_receipt" {
			continue
		}
		n++
		if prev, ok := last[m.ChatID]; ok && f.at-prev < 0.95 {
			t.Errorf("%s: two delivery receipts for %s %.3f s apart", tb.name, m.ChatID, f.at-prev)
		}
		last[m.ChatID] = f.at
	}
	if n == 0 {
		t.Errorf("%s sent no delivery_receipt", tb.name)
	}
	t.Logf("%s sent %d delivery receipts", tb.name, n)
}

// chatListedJS is true when the chat list shows a chat with this title.
func chatListedJS(title string) string {
	return `[...document.querySelectorAll('#chats .chat-title')].some(e => e.textContent === ` + jsString(title) + `)`
}

// msgRow is the CSS selector of the message row showing body (by its seq,
// which stays the same across renders).
func msgRow(tb *tab, body string) string {
	tb.t.Helper()
	seq := eval[int](tb, `(() => {
		const li = [...document.querySelectorAll('#messages li.msg')].find(l => l.querySelector('.body')?.textContent === `+jsString(body)+`);
		return li ? Number(li.dataset.seq) : 0;
	})()`)
	if seq == 0 {
		tb.t.Fatalf("%s: no message shows %q", tb.name, body)
	}
	return fmt.Sprintf(`#messages li.msg[data-seq="%d"]`, seq)
}

// editMessage edits alice's own message through its edit control.
func editMessage(tb *tab, from, to string) {
	tb.t.Helper()
	tb.do("edit "+from,
		chromedp.Click(chromedp.CSS(msgRow(tb, from)+` button.edit`)),
		chromedp.WaitVisible(chromedp.CSS(`#messages .edit-form textarea`)),
		chromedp.SetValue(chromedp.CSS(`#messages .edit-form textarea`), to),
		chromedp.Click(chromedp.CSS(`#messages .edit-form button[type=submit]`)))
}
