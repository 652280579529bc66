package embedded

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/linkup-chat/linkup/events"
)

// BenchmarkNewReq measures what Append does in the caller's goroutine for
// a chat message as the actors make it (checks, id, metadata, the row).
func BenchmarkNewReq(b *testing.B) {
	s := &Store{cfg: Config{}.withDefaults()}
	d := events.MustEncode(events.MessagePosted{ChatID: "c1", Seq: 42, MessageID: uuid.NewString(), Sender: "user-1",
		Body: "hello, this is a chat message of ordinary length", ClientMsgID: "req-1", SentAt: time.Now().UTC()},
		events.Metadata{CorrelationID: "req-1", CausationID: "req-1", Node: "node-1"})
	d.ID = uuid.Must(uuid.NewV7()).String()
	evs := []events.EventData{d}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.newReq("chat-c1", events.Any(), evs); err != nil {
			b.Fatal(err)
		}
	}
}
