package actors

import (
	"reflect"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/protocol"
)

// crossActorMessages are the messages chat, user and connection actors
// send one another: in a cluster they cross process boundaries
// (docs/CLUSTER.md), so each must be a value that can be serialized.
var crossActorMessages = []any{
	// connection → chat
	chatCreate{}, chatPost{}, chatRead{}, chatTyping{}, chatAddMembers{}, chatRemoveMember{},
	chatEdit{}, chatDelete{}, chatDeliveryReceipt{}, chatSummaryReq{}, chatHistoryReq{}, chatSyncReq{},
	// user → chat
	chatSubscribe{}, chatUnsubscribe{},
	// chat → connection
	replyFrame{}, replyError{}, summaryPart{}, syncPart{}, bulkPart{}, deliver{}, deliverOverflow{},
	// connection → chat or user
	deliverAck{},
	// connection, chat, node → user
	userAttach{}, userDetach{}, userJoined{}, userLeft{}, userRevoke{}, userPresence{},
	// user, node → connection
	presenceOut{}, shutdownConn{},
}

// valueLeaves are pointed-to types a message may hold: a PID is a
// serializable value in Proto.Actor (a protobuf message naming an actor),
// the others are optional values owned by the message.
var valueLeaves = map[reflect.Type]bool{
	reflect.TypeFor[actor.PID]():           true,
	reflect.TypeFor[protocol.Error]():      true,
	reflect.TypeFor[bulkSlot]():            true,
	reflect.TypeFor[protocol.ErrorFrame](): true,
}

// TestMessagesAreValues: no message between actors carries a channel, a
// function, a lock or atomic (shared state such as a connection's backlog
// counter), an unexported-package pointer, or a pointer to anything but a
// value it owns (a PID, an optional number or error); so none of them shares memory with another actor.
func TestMessagesAreValues(t *testing.T) {
	for _, m := range crossActorMessages {
		typ := reflect.TypeOf(m)
		if why := notValue(typ, map[reflect.Type]bool{}); why != "" {
			t.Errorf("%v: %s", typ, why)
		}
	}
}

func notValue(t reflect.Type, seen map[reflect.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Uintptr:
		return "holds a " + t.Kind().String()
	case reflect.Pointer:
		if valueLeaves[t.Elem()] || t.Elem().Kind() < reflect.Array { // an optional number, string or bool
			return ""
		}
		if t.Elem().Kind() == reflect.String {
			return ""
		}
		return "holds a pointer to " + t.Elem().String()
	case reflect.Slice, reflect.Array, reflect.Map:
		if t.Kind() == reflect.Map {
			if why := notValue(t.Key(), seen); why != "" {
				return why
			}
		}
		return notValue(t.Elem(), seen)
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			return "" // a value; its *Location is an immutable zone
		}
		if p := t.PkgPath(); p == "sync" || p == "sync/atomic" {
			return "holds a " + t.String()
		}
		for i := range t.NumField() {
			if why := notValue(t.Field(i).Type, seen); why != "" {
				return t.Field(i).Name + ": " + why
			}
		}
	}
	return "" // interfaces (protocol.Frame) hold frame values
}
