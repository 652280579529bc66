package actors

import (
	"go/importer"
	"go/token"
	"go/types"
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
	chatEdit{}, chatDelete{}, chatDeliveryReceipt{}, chatSummaryReq{}, chatHistoryReq{}, chatSyncReq{}, chatMemberReq{},
	// user → chat
	chatSubscribe{}, chatUnsubscribe{},
	// chat → connection
	replyFrame{}, ackPosted{}, replyError{}, summaryPart{}, syncPart{}, bulkPart{}, memberPart{}, deliver{}, deliverOverflow{},
	// connection → chat or user
	deliverAck{},
	// connection, chat, node → user
	userAttach{}, userDetach{}, userJoined{}, userLeft{}, userRevoke{}, userPresence{},
	// user, node → connection
	presenceOut{}, shutdownConn{},
	// to and from the node's owners of derived state (directory, page
	// budget, presence): each node has its own, but they are messages all
	// the same, so no actor reaches into their state
	dirAppended{}, dirFollowed{}, dirApplied{}, dirObserved{}, dirSettled{}, chatDirApplied{}, pageKept{}, pagesDropped{}, pageEvict{}, presenceChanged{},
	presenceRemote{}, presenceRemoteGone{},
}

// valueLeaves are pointed-to types a message may hold: a PID is a
// serializable value in Proto.Actor (a protobuf message naming an actor),
// the others are optional values owned by the message.
var valueLeaves = map[reflect.Type]bool{
	reflect.TypeFor[actor.PID]():               true,
	reflect.TypeFor[protocol.Error]():          true,
	reflect.TypeFor[bulkSlot]():                true,
	reflect.TypeFor[protocol.ErrorFrame]():     true,
	reflect.TypeFor[protocol.AckSendMessage](): true,
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
	return "" // interfaces: their implementations are checked by TestInterfacesInMessagesHoldValues
}

// TestInterfacesInMessagesHoldValues: the interfaces messages hold
// (protocol.Frame in replyFrame, events.Event in dirAppended) are
// implemented only by values: every type of their package that implements
// them is checked, type-checked from source, so a new frame or event with
// a pointer or a channel fails here.
func TestInterfacesInMessagesHoldValues(t *testing.T) {
	for _, tc := range []struct{ pkg, iface string }{
		{"github.com/linkup-chat/linkup/protocol", "Frame"},
		{"github.com/linkup-chat/linkup/events", "Event"},
	} {
		pkg, err := importer.ForCompiler(token.NewFileSet(), "source", nil).Import(tc.pkg)
		if err != nil {
			t.Fatal(err)
		}
		iface := pkg.Scope().Lookup(tc.iface).Type().Underlying().(*types.Interface)
		found := 0
		for _, name := range pkg.Scope().Names() {
			obj, ok := pkg.Scope().Lookup(name).(*types.TypeName)
			if !ok || types.IsInterface(obj.Type()) || !types.Implements(obj.Type(), iface) {
				continue
			}
			found++
			if why := notValueType(obj.Type(), map[types.Type]bool{}); why != "" {
				t.Errorf("%s.%s (a %s): %s", pkg.Name(), name, tc.iface, why)
			}
		}
		if found < 10 {
			t.Fatalf("only %d implementations of %s.%s found", found, pkg.Name(), tc.iface)
		}
	}
}

// notValueType is notValue's rule for a type known from source.
func notValueType(t types.Type, seen map[types.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	switch u := t.(type) {
	case *types.Named:
		switch p := u.Obj().Pkg(); {
		case p == nil:
		case p.Path() == "time" && u.Obj().Name() == "Time":
			return ""
		case p.Path() == "sync" || p.Path() == "sync/atomic":
			return "holds a " + u.String()
		}
		return notValueType(u.Underlying(), seen)
	case *types.Basic:
		if u.Kind() == types.UnsafePointer || u.Kind() == types.Uintptr {
			return "holds a " + u.String()
		}
	case *types.Chan, *types.Signature:
		return "holds a " + u.String()
	case *types.Pointer:
		if _, basic := u.Elem().Underlying().(*types.Basic); basic {
			return "" // an optional number, string or bool
		}
		if n, ok := u.Elem().(*types.Named); ok && n.Obj().Pkg() != nil && valueLeafNamed(n.Obj().Pkg().Path(), n.Obj().Name()) {
			return "" // as in valueLeaves, or an optional time
		}
		return "holds a pointer to " + u.Elem().String()
	case *types.Slice:
		return notValueType(u.Elem(), seen)
	case *types.Array:
		return notValueType(u.Elem(), seen)
	case *types.Map:
		if why := notValueType(u.Key(), seen); why != "" {
			return why
		}
		return notValueType(u.Elem(), seen)
	case *types.Struct:
		for i := range u.NumFields() {
			if why := notValueType(u.Field(i).Type(), seen); why != "" {
				return u.Field(i).Name() + ": " + why
			}
		}
	}
	return ""
}

// valueLeafNamed reports whether pkg.name is one of valueLeaves or
// time.Time.
func valueLeafNamed(pkg, name string) bool {
	if pkg == "time" && name == "Time" {
		return true
	}
	for t := range valueLeaves {
		if t.PkgPath() == pkg && t.Name() == name {
			return true
		}
	}
	return false
}
