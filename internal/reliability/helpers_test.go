package reliability_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/prometheus/client_golang/prometheus"
)

const wait = 10 * time.Second

var refs atomic.Int64

// soak reports whether the long variants should run.
func soak() bool { return os.Getenv("LINKUP_SOAK") == "1" }

// send sends msg with a fresh ref and returns the ref.
func send(t *testing.T, c *client.Client, msg map[string]any) string {
	t.Helper()
	ref := fmt.Sprintf("r%d", refs.Add(1))
	msg["ref"] = ref
	if err := c.Send(msg); err != nil {
		t.Fatalf("send %v: %v", msg["type"], err)
	}
	return ref
}

// call sends msg and returns the direct reply to it.
func call(t *testing.T, c *client.Client, msg map[string]any) client.Frame {
	t.Helper()
	return reply(t, c, send(t, c, msg))
}

// stash keeps replies read while waiting for another one, per client, so a
// test may have several requests outstanding.
var stash sync.Map // *client.Client -> map[string]client.Frame (test goroutine only)

// reply returns the frame answering ref, from the stash or the wire.
func reply(t *testing.T, c *client.Client, ref string) client.Frame {
	t.Helper()
	v, _ := stash.LoadOrStore(c, map[string]client.Frame{})
	kept := v.(map[string]client.Frame)
	if f, ok := kept[ref]; ok {
		delete(kept, ref)
		return f
	}
	f, err := c.Expect(wait, func(f client.Frame) bool {
		if f.Ref() != "" && f.Ref() != ref {
			kept[f.Ref()] = f
		}
		return f.Ref() == ref
	})
	if err != nil {
		t.Fatalf("no reply to %s: %v", ref, err)
	}
	return f
}

func sendMsg(chat, cmid string) map[string]any {
	return map[string]any{"type": "send_message", "chat_id": chat, "client_msg_id": cmid, "body": "b " + cmid}
}

// readAll returns every event of the given types (all types when none).
func readAll(t *testing.T, st events.Store, types ...string) []events.RecordedEvent {
	t.Helper()
	var out []events.RecordedEvent
	for rec, err := range st.ReadAll(context.Background(), events.ReadAllOptions{Filter: events.Filter{EventTypes: types}}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

// metric sums every series of the named metric in reg (0 when absent).
func metric(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	return testnode.Metric(t, reg, name, "", "")
}
