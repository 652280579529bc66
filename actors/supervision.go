package actors

import (
	"fmt"
	"runtime/debug"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// panicked is sent to an actor that was resumed after a panic in its
// handler, so it can answer the failed message (a connection replies
// `internal` and keeps its socket).
type panicked struct {
	Reason  any
	Message any
}

// recordingStrategy is the supervisor of every linkup actor: a panic in a
// handler is recorded as an ErrorRecorded event (severity high), the actor
// is resumed with its state (the message that panicked is dropped), and it
// is told so with a panicked message.
type recordingStrategy struct {
	node *Node
	kind string
}

var _ actor.SupervisorStrategy = recordingStrategy{}

func (s recordingStrategy) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason, message any) {
	s.node.m.panics.WithLabelValues(s.kind).Inc()
	s.node.log.Error("actor panic", "kind", s.kind, "actor", child.Id, "reason", fmt.Sprint(reason), "message", fmt.Sprintf("%T", message))
	s.node.writer.Record(events.ErrorsStream, events.MustEncode(events.ErrorRecorded{
		ErrorType: "handler_panic", Severity: events.SeverityHigh,
		Message: fmt.Sprintf("%s actor panicked handling %T: %v", s.kind, message, reason),
		Context: map[string]any{"actor": child.Id, "kind": s.kind, "message_type": fmt.Sprintf("%T", message), "stack": string(debug.Stack())},
		At:      now(),
	}))
	sup.ResumeChildren(child)
	s.node.system.Root.Send(child, panicked{Reason: reason, Message: message})
}

func (c *chatActor) onPanicked(ctx actor.Context, m panicked) {
	if isRequest(m.Message) {
		c.refuse(ctx, m.Message, protocol.Errorf(protocol.CodeInternal, "internal error in chat %s", c.id))
	}
}

func isRequest(msg any) bool {
	switch msg.(type) {
	case chatCreate, chatPost, chatRead, chatTyping, chatSummaryReq, chatHistoryReq, chatSyncReq:
		return true
	}
	return false
}
