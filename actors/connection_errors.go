package actors

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// Bounds on the error events a connection records (PROTOCOL.md section 4,
// "Error events are bounded"), so that no client can grow the log faster
// than its own valid traffic could:
const (
	// maxErrorClientBytes is how much of what the client supplied (ref,
	// command type, chat ids) one error event keeps; the rest is cut.
	maxErrorClientBytes = 1 << 10
	// maxErrorEventsPerSecond is how many error events one connection
	// records in a second; the excess is counted in one summary event
	// (error_type errors_suppressed) per second.
	maxErrorEventsPerSecond = 10
)

// errorWindow counts one connection's error events in the current second.
type errorWindow struct {
	start      time.Time
	n          int
	suppressed map[string]int // by error type, since the last summary
	timer      *time.Timer
}

// errorsSummary is sent to a connection when a second with suppressed error
// events ends.
type errorsSummary struct{}

// chatFailure is one chat of a request that was refused.
type chatFailure struct {
	Chat string
	Err  *protocol.Error
}

// fail answers a refused command with an error frame and records it.
func (c *connActor) fail(ctx actor.Context, ref, command, chatID string, e *protocol.Error) {
	c.node.m.errors.WithLabelValues(string(e.Code)).Inc()
	c.send(ctx, protocol.ErrorFrame{Ref: ref, Code: e.Code, Message: e.Message, ChatID: chatID})
	var chats []string
	if chatID != "" {
		chats = []string{chatID}
	}
	c.recordError(ref, command, e, chats, nil)
}

// failChats answers the chats of one request that were refused with one
// error frame per code, each listing its chats (`chat_ids`, and `chat_id`
// when there is one): one frame whatever the number of chats.
func (c *connActor) failChats(ctx actor.Context, ref string, fails []chatFailure) {
	byCode := map[protocol.Code][]string{}
	var codes []protocol.Code
	msg := map[protocol.Code]string{}
	for _, f := range fails {
		if _, ok := byCode[f.Err.Code]; !ok {
			codes, msg[f.Err.Code] = append(codes, f.Err.Code), f.Err.Message
		}
		byCode[f.Err.Code] = append(byCode[f.Err.Code], f.Chat)
	}
	for _, code := range codes {
		c.node.m.errors.WithLabelValues(string(code)).Inc()
		ids := byCode[code]
		f := protocol.ErrorFrame{Ref: ref, Code: code, Message: msg[code], ChatIDs: ids}
		if len(ids) == 1 {
			f.ChatID = ids[0]
		} else {
			f.Message = fmt.Sprintf("%s (%d chats, listed in chat_ids)", msg[code], len(ids))
		}
		c.send(ctx, f)
	}
}

// recordFailures records the refused chats or items of one request as one
// error event (one frame, one event).
func (c *connActor) recordFailures(ref, command string, fails []chatFailure) {
	if len(fails) == 0 {
		return
	}
	chats := make([]string, len(fails))
	codes := map[string]int{}
	for i, f := range fails {
		chats[i] = f.Chat
		codes[string(f.Err.Code)]++
	}
	e := fails[0].Err
	if len(fails) > 1 {
		e = &protocol.Error{Code: e.Code, Message: fmt.Sprintf("%d chats refused (first: %s)", len(fails), e.Message)}
	}
	c.recordError(ref, command, e, chats, map[string]any{"codes": codes})
}

// recordError appends one ErrorRecorded for a refused command, keeping at
// most maxErrorClientBytes of what the client supplied, and at most
// maxErrorEventsPerSecond a second.
func (c *connActor) recordError(ref, command string, e *protocol.Error, chats []string, extra map[string]any) {
	if !c.errorAllowed(string(e.Code)) {
		return
	}
	budget := maxErrorClientBytes
	ectx := map[string]any{"command": clip(command, &budget)}
	if ref != "" {
		ectx["ref"] = clip(ref, &budget)
	}
	if len(chats) == 1 {
		ectx["chat_id"] = clip(chats[0], &budget)
	} else if len(chats) > 1 {
		ectx["chat_ids"], ectx["chat_count"] = clipList(chats, &budget), len(chats)
	}
	for k, v := range extra {
		ectx[k] = v
	}
	msgBudget := maxErrorClientBytes
	c.record(events.ErrorRecorded{ErrorType: string(e.Code), Message: clip(e.Message, &msgBudget), Severity: severityOf(e.Code),
		User: c.info.UserID, ConnectionID: c.id(), Context: ectx, At: now()}, c.corr())
}

// errorAllowed takes a place in the current second's window, or counts the
// event as suppressed and makes sure a summary follows at the window's end.
func (c *connActor) errorAllowed(errType string) bool {
	r := c.requests()
	if r.errWin == nil {
		r.errWin = &errorWindow{}
	}
	w := r.errWin
	t := time.Now()
	if t.Sub(w.start) >= time.Second {
		w.start, w.n = t, 0
	}
	if w.n < maxErrorEventsPerSecond {
		w.n++
		return true
	}
	c.node.m.errorsSuppressed.Inc()
	if w.suppressed == nil {
		w.suppressed = map[string]int{}
	}
	w.suppressed[errType]++
	if w.timer == nil {
		self, sys := c.self, c.node.system
		w.timer = time.AfterFunc(time.Second-t.Sub(w.start), func() { sys.Root.Send(self, errorsSummary{}) })
	}
	return false
}

// recordSuppressed records the summary of the error events left out since
// the last one, if any.
func (c *connActor) recordSuppressed() {
	if c.reqs == nil || c.reqs.errWin == nil {
		return
	}
	w := c.reqs.errWin
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	if len(w.suppressed) == 0 {
		return
	}
	total := 0
	for _, n := range w.suppressed {
		total += n
	}
	c.record(events.ErrorRecorded{ErrorType: "errors_suppressed", Severity: events.SeverityLow, User: c.info.UserID, ConnectionID: c.id(),
		Message: fmt.Sprintf("%d error events of this connection not recorded (at most %d a second)", total, maxErrorEventsPerSecond),
		Context: map[string]any{"suppressed": total, "by_type": w.suppressed}, At: now()}, "")
	w.suppressed = nil
}

// clip returns s cut to the budget left (at a rune boundary), and takes its
// length from the budget.
func clip(s string, budget *int) string {
	if len(s) > *budget {
		n := max(*budget, 0)
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	*budget -= len(s)
	return s
}

// clipList keeps the ids that fit in the budget.
func clipList(ids []string, budget *int) []string {
	out := make([]string, 0, min(len(ids), 16))
	for _, id := range slices.Sorted(slices.Values(ids)) {
		if len(id) > *budget {
			break
		}
		out = append(out, clip(id, budget))
	}
	return out
}
