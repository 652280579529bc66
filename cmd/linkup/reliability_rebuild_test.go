package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// checkProjectionsRebuild: the running server's projections catch up with
// the log; after a graceful stop `projections status` shows every
// checkpoint at the head, and `projections rebuild` gives the same
// /v1/read-states answer as before.
func checkProjectionsRebuild(t *testing.T, dir string, p *proc) {
	t.Helper()
	tok := tokenFor(t, dir, "ana", "--role", "analyst")
	waitCaughtUp(t, p, tok)
	before := getJSON(t, p, "/v1/read-states?chat="+killChat, tok)
	if items, _ := before["items"].([]any); len(items) == 0 {
		t.Fatalf("no read states before the rebuild: %v", before)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM exit %d", code)
	}
	code, out, errs := runCLI("projections", "status", "--data", dir)
	if code != 0 {
		t.Fatalf("projections status: %d %s", code, errs)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if f := strings.Fields(line); len(f) < 4 || f[1] != f[2] || f[3] != "0" {
			t.Fatalf("projection not caught up after the kills: %q\n%s\nserver log:\n%s", line, out, p.logs)
		}
	}
	if code, out, errs := runCLI("projections", "rebuild", "--data", dir); code != 0 {
		t.Fatalf("projections rebuild: %d %s %s", code, out, errs)
	}
	p2 := startServe(t, dir, killFlags...)
	waitCaughtUp(t, p2, tok)
	if after := getJSON(t, p2, "/v1/read-states?chat="+killChat, tok); !reflect.DeepEqual(before, after) {
		t.Fatalf("read states differ after the rebuild:\nbefore %v\nafter  %v", before, after)
	}
}

func getJSON(t *testing.T, p *proc, path, tok string) map[string]any {
	t.Helper()
	status, b := testnode.Get(t, "http://"+p.addr+path, tok)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil || status != 200 {
		t.Fatalf("GET %s: %d %v", path, status, err)
	}
	return body
}

// waitCaughtUp polls /v1/projections until no projection lags.
func waitCaughtUp(t *testing.T, p *proc, tok string) {
	t.Helper()
	poll.Until(t, wait, "projections caught up", func() bool {
		items, _ := getJSON(t, p, "/v1/projections", tok)["items"].([]any)
		lagging := len(items) == 0
		for _, it := range items {
			lagging = lagging || it.(map[string]any)["lag_events"].(float64) != 0
		}
		return !lagging
	})
}
