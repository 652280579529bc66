package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserConsoleAndIncidentView: an analyst signs in to /console in a
// real browser, filters the error log down to the errors this test
// provoked (by user and type: nothing else shows), sees the hourly chart,
// read states and projections; then /incident shows the user's timeline
// with a command's chain expanded. Markup a client put into an error's
// context shows as text, the token never appears in any URL the pages
// request, and a wrong token sends the reader back to sign-in.
func TestBrowserConsoleAndIncidentView(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	p := startServe(t, dir)
	base := "http://" + p.addr
	anaTok := tokenFor(t, dir, "ana", "--role", "analyst")

	mallory := dial(t, p.url(), tokenFor(t, dir, "mallory"))
	evil := `<img src=x onerror=alert(3)>`
	for _, typ := range []string{"bogus", evil} {
		if f := request(t, mallory, map[string]any{"type": typ}); f.Str("code") != "unknown_type" {
			t.Fatalf("%s: %s", typ, f.Raw)
		}
	}
	if f := request(t, mallory, map[string]any{"type": "create_chat", "chat_id": "m1", "title": "m", "members": []string{"zed"}}); f.Type != "ack" {
		t.Fatalf("create_chat: %s", f.Raw)
	}
	zed := dial(t, p.url(), tokenFor(t, dir, "zed"))
	if f := request(t, zed, map[string]any{"type": "bogus"}); f.Str("code") != "unknown_type" {
		t.Fatalf("zed: %s", f.Raw)
	}
	if f := request(t, zed, map[string]any{"type": "create_chat", "chat_id": "m2", "title": "m", "members": []string{"mallory"}}); f.Type != "ack" {
		t.Fatalf("create_chat: %s", f.Raw)
	}
	for _, chat := range []string{"m1", "m2"} {
		if f := request(t, zed, map[string]any{"type": "send_message", "chat_id": chat, "client_msg_id": "z", "body": "hi"}); f.Type != "ack" {
			t.Fatalf("send_message: %s", f.Raw)
		}
	}
	// One command, two events: a chain (one correlation id) of two ChatRead.
	receipts := []map[string]any{{"chat_id": "m1", "seq": 1}, {"chat_id": "m2", "seq": 1}}
	if f := request(t, mallory, map[string]any{"type": "bulk_read_receipt", "receipts": receipts}); f.Type != "ack" {
		t.Fatalf("bulk_read_receipt: %s", f.Raw)
	}
	if err := mallory.Send(map[string]any{"type": "force_reconnect"}); err != nil {
		t.Fatal(err)
	}
	for { // read to the close, so that the connection ends
		if _, err := mallory.Next(10 * time.Second); err != nil {
			break
		}
	}

	ana := newTab(t, browser, "ana")
	ana.signIn(base, "/console", anaTok)
	ana.waitJS("console shown", `!document.querySelector('#app').hidden`, 10*time.Second)
	ana.do("filter", chromedp.SetValue(chromedp.CSS("#f-user"), "mallory"), chromedp.SetValue(chromedp.CSS("#f-type"), "unknown_type"))
	// The projection is asynchronous: filter again until both errors show.
	ana.waitJS("mallory's two errors", `(() => {
		const rows = [...document.querySelectorAll('#errors-body tr[data-id]')];
		const ok = rows.length === 2 && rows.every(r => r.cells[4].textContent === 'mallory');
		if (!ok) `+again("#error-filters")+`;
		return ok;
	})()`, 20*time.Second)
	cells := eval[[][]string](ana, `[...document.querySelectorAll('#errors-body tr[data-id]')].map(r => [...r.cells].map(c => c.textContent))`)
	for _, c := range cells {
		if c[2] != "unknown_type" || c[4] != "mallory" {
			t.Fatalf("a row outside the filter: %q", c)
		}
	}
	ana.waitJS("markup in context as text", `document.querySelector('#errors-body').textContent.includes(`+jsString(evil)+`)`, 5*time.Second)
	if n := eval[int](ana, `document.querySelectorAll('#errors-body img').length`); n != 0 {
		t.Fatalf("error context made %d img elements", n)
	}
	// A time window that ends before it starts: the API's 400 names until.
	setInput(ana, "#f-since", "2026-01-02T10:00:00")
	setInput(ana, "#f-until", "2026-01-01T10:00:00")
	ana.do("bad window", chromedp.Click(chromedp.CSS("#error-filters button[type=submit]")))
	ana.waitJS("400 naming until", `document.querySelector('#errors-error').textContent.includes('400 invalid_parameter (until)')`, 10*time.Second)
	setInput(ana, "#f-since", "")
	setInput(ana, "#f-until", "")
	ana.do("clear window", chromedp.Click(chromedp.CSS("#error-filters button[type=submit]")))
	ana.waitJS("rows again", `document.querySelectorAll('#errors-body tr[data-id]').length === 2`, 10*time.Second)
	// The chart loaded once at sign-in, maybe before the projection had
	// committed the errors: refresh it until they show.
	ana.waitJS("hourly chart", `(() => {
		const ok = document.querySelectorAll('#chart svg rect.bar').length >= 1;
		if (!ok) `+again("#chart-filters")+`;
		return ok;
	})()`, 20*time.Second)
	ana.do("read states", chromedp.SetValue(chromedp.CSS("#r-id"), "zed"), chromedp.Click(chromedp.CSS("#read-filters button[type=submit]")))
	ana.waitJS("zed's read state", `(() => {
		const ok = [...document.querySelectorAll('#read-body tr')].some(r => r.cells.length === 5 && r.cells[1].textContent === 'm1');
		if (!ok) `+again("#read-filters")+`;
		return ok;
	})()`, 20*time.Second)
	ana.waitJS("projections", `document.querySelectorAll('#proj-body tr[data-name]').length >= 2`, 10*time.Second)
	ana.screenshot("console")

	// The user's name links to the incident view, filtered by the fragment.
	ana.do("incident view", chromedp.Click(chromedp.CSS(`#errors-body a[href="/incident#user=mallory"]`)), chromedp.WaitVisible(chromedp.CSS("#t-user")))
	if u := eval[string](ana, `document.querySelector('#t-user').value`); u != "mallory" {
		t.Fatalf("the incident view opened with user %q", u)
	}
	ana.waitJS("mallory's timeline with a chain", `(() => {
		const types = [...document.querySelectorAll('#tl-body tr[data-type]:not(.chain)')].map(r => r.dataset.type);
		const chain = document.querySelectorAll('#tl-body tr.chain-head').length > 0;
		const ok = types.includes('ConnectionClosed') && types.filter(t => t === 'ErrorRecorded').length === 2 && chain;
		if (!ok) `+again("#tl-filters")+`;
		return ok;
	})()`, 20*time.Second)
	if n := eval[int](ana, `document.querySelectorAll('#tl-body img').length`); n != 0 {
		t.Fatalf("the timeline made %d img elements", n)
	}
	head := eval[string](ana, `document.querySelector('#tl-body tr.chain-head').textContent`)
	chained := eval[[]string](ana, `[...document.querySelectorAll('#tl-body tr.chain:not(.chain-head)')].map(r => r.dataset.type)`)
	if !strings.Contains(head, ": 2 event(s)") || len(chained) != 2 || chained[0] != "ChatRead" || chained[1] != "ChatRead" {
		t.Fatalf("chain %q holds %q, want the bulk read's two ChatRead", head, chained)
	}
	ana.screenshot("incident")
	if href := eval[string](ana, `location.href`); href != base+"/incident#user=mallory" {
		t.Fatalf("location %q", href)
	}
	ana.checkNoTokenInURLs(anaTok)
	ana.checkClean()

	// A token that is not valid: 401, back to sign-in with the reason.
	ana.do("sign out", chromedp.Click(chromedp.CSS("#signout")))
	ana.signIn(base, "/console", anaTok[:len(anaTok)-4]+"AAAA")
	ana.waitJS("refused", `document.querySelector('#signin-error').textContent.includes('401') && !document.querySelector('#signin').hidden`, 10*time.Second)
}

// again is JavaScript that submits a form again, at most twice a second:
// what a person waiting for an asynchronous projection would do.
func again(form string) string {
	return `(() => {
		const now = Date.now();
		if ((window.__lastAgain || 0) > now - 500) return;
		window.__lastAgain = now;
		document.querySelector('` + form + ` button[type=submit]').click();
	})()`
}

// setInput sets an input's value as the browser's picker would (a
// datetime-local field takes no typed keys in headless Chromium).
func setInput(tb *tab, sel, v string) {
	tb.t.Helper()
	eval[bool](tb, `(document.querySelector(`+jsString(sel)+`).value = `+jsString(v)+`, true)`)
}
