package transport_test

import (
	"encoding/json"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// errorsAccountedFor waits until the store holds ErrorRecorded events for
// at least want errors, counting those an errors_suppressed summary stands
// for (a connection records at most 10 error events a second), and returns
// the events that are not summaries.
func errorsAccountedFor(t *testing.T, st events.Store, want int) []events.RecordedEvent {
	t.Helper()
	var plain []events.RecordedEvent
	total := 0
	accounted := func() bool {
		plain, total = plain[:0], 0
		for _, rec := range storedEvents(t, st, events.TypeErrorRecorded, 0) {
			var e events.ErrorRecorded
			_ = json.Unmarshal(rec.Data, &e)
			if e.ErrorType == "errors_suppressed" {
				n, _ := e.Context["suppressed"].(float64)
				total += int(n)
				continue
			}
			plain = append(plain, rec)
			total++
		}
		return total >= want
	}
	if !poll.Within(wait, accounted) {
		t.Fatalf("%d errors recorded or counted in summaries, want %d", total, want)
	}
	return plain
}
