package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests drive real headless Chromium (the distribution's
// `chromium`, never a downloaded one) against the real `linkup serve`
// process (startServe), over loopback. Without Chromium they are skipped,
// unless LINKUP_REQUIRE_CHROMIUM=1 (CI), where they fail. With
// LINKUP_SCREENSHOTS=1 they write docs/screenshots/*.png.

// browserTimeout bounds each browser test as a whole, actionTimeout each
// step (a page that never shows what a step waits for fails the step).
const (
	browserTimeout = 3 * time.Minute
	actionTimeout  = 30 * time.Second
)

// chromium returns a browser context with a fresh profile, and the parent
// context for more tabs; both end with the test.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("LINKUP_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("LINKUP_REQUIRE_CHROMIUM=1 but no chromium on PATH (apt-get install -y chromium): %v", err)
		}
		t.Skip("no chromium on PATH (apt-get install -y chromium); LINKUP_REQUIRE_CHROMIUM=1 makes this a failure")
	}
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 760),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil { // start the browser
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// tab is one page in its own browser context (its own sessionStorage),
// recording what a test checks afterwards: every URL it requested, every
// JavaScript dialog, exception and console error.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context

	mu       sync.Mutex
	urls     []string
	problems []string
	wsSent   []wsFrame // WebSocket frames the page sent
}

// wsFrame is one WebSocket frame a page sent, at the browser's monotonic
// clock (seconds).
type wsFrame struct {
	at      float64
	payload string
}

func newTab(t *testing.T, browser context.Context, name string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, name: name, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: new tab: %v", name, err)
	}
	if err := chromedp.Listen(ctx, tb.observe); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, cdplog.Enable, cdp.Empty{})
		return err
	}))
	if err != nil {
		t.Fatalf("%s: enable the log: %v", name, err)
	}
	return tb
}

func (tb *tab) observe(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		tb.urls = append(tb.urls, ev.Request.URL)
	case *network.EventWebSocketCreated:
		tb.urls = append(tb.urls, ev.URL)
	case *network.EventWebSocketFrameSent:
		if ev.Response != nil {
			tb.wsSent = append(tb.wsSent, wsFrame{at: ev.Timestamp.Float64(), payload: string(ev.Response.PayloadData)})
		}
	case *page.EventJavascriptDialogOpening:
		tb.problems = append(tb.problems, "dialog: "+ev.Message)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		tb.problems = append(tb.problems, fmt.Sprintf("exception: %s at %s:%d", msg, d.URL, d.LineNumber))
	case *cdplog.EventEntryAdded:
		if e := ev.Entry; e.Source == cdplog.EntrySourceSecurity || strings.Contains(e.Text, "Content Security Policy") {
			tb.problems = append(tb.problems, "security: "+e.Text)
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == "error" {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			tb.problems = append(tb.problems, "console.error: "+strings.Join(parts, " "))
		}
	}
}

// do runs actions, failing the test on error.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %s: %v\nproblems: %v", tb.name, what, err, tb.problemList())
	}
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%s: eval %s: %v", tb.name, expr, err)
	}
	return v
}

// waitJS waits until a JavaScript expression is truthy.
func (tb *tab) waitJS(what, expr string, d time.Duration) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(d)))
	if err != nil {
		tb.t.Fatalf("%s: waiting for %s (%s): %v\nproblems: %v", tb.name, what, expr, err, tb.problemList())
	}
}

// sentFrames returns the WebSocket frames the page sent so far.
func (tb *tab) sentFrames() []wsFrame {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]wsFrame(nil), tb.wsSent...)
}

func (tb *tab) problemList() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.problems...)
}

// checkClean fails on any dialog, exception or console error the page had
// (a CSP violation or a script error shows up here).
func (tb *tab) checkClean() {
	tb.t.Helper()
	if p := tb.problemList(); len(p) > 0 {
		tb.t.Errorf("%s: the page had problems: %q", tb.name, p)
	}
}

// checkNoTokenInURLs fails if tok appears in any URL the page requested.
func (tb *tab) checkNoTokenInURLs(tok string) {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.urls) == 0 {
		tb.t.Fatalf("%s: no requests recorded", tb.name)
	}
	for _, u := range tb.urls {
		if strings.Contains(u, tok) || strings.Contains(u, "token=") {
			tb.t.Errorf("%s: a token went into a URL: %s", tb.name, u)
		}
	}
}

// signIn opens path and signs in by pasting tok, as a person would.
func (tb *tab) signIn(base, path, tok string) {
	tb.t.Helper()
	tb.do("sign in",
		chromedp.Navigate(base+path),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SetValue(chromedp.CSS("#token"), tok),
		chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")),
	)
}

// screenshot writes docs/screenshots/<name>.png when LINKUP_SCREENSHOTS=1.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	if os.Getenv("LINKUP_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// jsString quotes s as a JavaScript string literal (JSON escapes <, >, &
// and U+2028/2029 too).
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
