package transport_test

import (
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/transport"
)

// panickyEncoder is the real encoder with one injected fault: it panics the
// first time it encodes a pong whose ref is "boom".
type panickyEncoder struct {
	transport.JSONEncoder
	fired atomic.Bool
}

func (e *panickyEncoder) Encode(f protocol.Frame) ([]byte, error) {
	if p, ok := f.(protocol.Pong); ok && p.Ref == "boom" && e.fired.CompareAndSwap(false, true) {
		panic("injected fault")
	}
	return e.JSONEncoder.Encode(f)
}

func TestHandlerPanicIsRecordedAndConnectionSurvives(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Actors: actors.Config{Encoder: &panickyEncoder{}}})
	alice := n.Dial(t, "alice")
	if err := alice.Send(map[string]any{"type": "ping", "ref": "boom"}); err != nil {
		t.Fatal(err)
	}
	f, err := alice.Expect(wait, client.Is("error", "boom"))
	if err != nil {
		t.Fatal(err)
	}
	testnode.ExpectError(t, f, "internal")
	expectAlive(t, alice)
	for _, rec := range storedEvents(t, n.Store, events.TypeErrorRecorded, 2) {
		var e events.ErrorRecorded
		_ = json.Unmarshal(rec.Data, &e)
		if e.ErrorType == "handler_panic" {
			if e.Severity != events.SeverityHigh {
				t.Fatalf("panic recorded with severity %s", e.Severity)
			}
			return
		}
	}
	t.Fatal("no handler_panic ErrorRecorded")
}
