package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserChatTimelineV11: the timeline v1.1 from the chat page, in two
// real browsers against `linkup serve`. Alice edits and deletes her own
// message with the controls on it; bob's browser shows the new body marked
// "(edited)" and "message deleted" with the old body gone from the page,
// and bob gets no such controls on alice's messages.
func TestBrowserChatTimelineV11(t *testing.T) {
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

	const room = "v1.1 room"
	createChat(alice, room, "bob")
	bob.waitJS("chat listed", chatListedJS(room), 10*time.Second)
	sendMessage(alice, "first draft")
	sendMessage(alice, "to be deleted")
	sendMessage(alice, "stays")
	alice.waitJS("three acked", bodiesJS+`.length === 3 && !document.querySelector('#messages li[data-state=pending]')`, 10*time.Second)
	openChat(bob, room)
	bob.waitJS("bob sees three", bodiesJS+`.join('|') === "first draft|to be deleted|stays"`, 10*time.Second)

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
	alice.do("delete", chromedp.Click(chromedp.CSS(msgRow(alice, "to be deleted")+` button.delete`)))
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
	bob.screenshot("chat-v11")

	for _, tb := range []*tab{alice, bob} {
		tb.checkClean()
	}
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
