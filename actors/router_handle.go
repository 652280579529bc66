package actors

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// routedWait bounds how long HandleChat waits for the chat actor's answer
// (a chat loading from the log, then appending); past it the request is
// answered `unavailable`.
const routedWait = 10 * time.Second

// errRoutedTimeout answers a routed command whose chat did not answer
// within routedWait.
var errRoutedTimeout = protocol.Errorf(protocol.CodeUnavailable, "the chat did not answer in time; the request may not have been stored; retry (a send retried with the same client_msg_id is never stored twice)")

// HandleChat hands a routed chat command (Router) to this node's chat
// actor and returns its answer. When the requesting connection is on this
// node, the chat answers it directly, as a local command, and HandleChat
// returns Direct at once; otherwise it blocks until the chat answers or
// routedWait has passed, so call it off any actor's Receive (the
// cluster's chat grain calls it from a goroutine). It never panics on
// input: an unknown command or a bad chat id is answered with a coded
// error.
func (n *Node) HandleChat(req ChatRequest) ChatReply {
	if err := validateChatID(req.ChatID); err != nil {
		return ChatReply{Err: protocol.AsError(err)}
	}
	o := origin{User: req.User, Ref: req.Ref, Corr: req.Corr}
	if pid, ok := n.conns.get(req.ConnID); ok && req.ConnID != "" {
		o.Conn = pid
		msg, err := req.message(o)
		if err != nil {
			return ChatReply{Err: err}
		}
		n.sendChat(req.ChatID, msg)
		return ChatReply{Direct: true}
	}
	f := actor.NewFuture(n.system, routedWait)
	o.Conn = f.PID()
	// A connection actor is named by its stream (registry.go): the items
	// of its command carry that name, so it knows its own message before
	// the routed answer is back. Only the Id is ever read (the node's
	// name stands in for an address; nothing is sent to it).
	if named(req.ConnID) {
		o.Self = actor.NewPID(req.Node, events.ConnectionStream(req.ConnID))
	}
	msg, err := req.message(o)
	if err != nil {
		return ChatReply{Err: err}
	}
	n.sendChat(req.ChatID, msg)
	res, ferr := f.Result()
	if ferr != nil {
		return ChatReply{Err: errRoutedTimeout}
	}
	return n.replyOf(res)
}

// message is the chat actor's request for req, answering o.
func (r ChatRequest) message(o origin) (any, *protocol.Error) {
	switch r.Command {
	case "create_chat":
		return chatCreate{origin: o, Title: r.Title, Members: r.Members}, nil
	case "send_message":
		return chatPost{origin: o, ClientMsgID: r.ClientMsgID, Body: r.Body}, nil
	case "read_receipt":
		return chatRead{origin: o, Seq: r.Seq}, nil
	case "mark_chat_read":
		return chatRead{origin: o, ToLatest: true}, nil
	case "bulk_read_receipt":
		return chatRead{origin: o, Seq: r.Seq, Bulk: &bulkSlot{}}, nil
	case "add_members":
		return chatAddMembers{origin: o, Users: r.Users}, nil
	case "remove_member":
		return chatRemoveMember{origin: o, Target: r.Target}, nil
	case "leave_chat":
		return chatRemoveMember{origin: o, Target: r.User, Leave: true}, nil
	case "edit_message":
		return chatEdit{origin: o, Seq: r.Seq, Body: r.Body}, nil
	case "delete_message":
		return chatDelete{origin: o, Seq: r.Seq}, nil
	case "delivery_receipt":
		return chatDeliveryReceipt{origin: o, Seq: r.Seq, ConnID: r.ConnID}, nil
	}
	return nil, protocol.Errorf(protocol.CodeInvalidPayload, "routed command %q is not a chat command this node handles", r.Command)
}

// replyOf turns the chat actor's answer into a ChatReply.
func (n *Node) replyOf(res any) ChatReply {
	switch m := res.(type) {
	case replyFrame:
		b, err := n.enc.Encode(m.Frame)
		if err != nil {
			return ChatReply{Err: protocol.Errorf(protocol.CodeInternal, "encode %s: %v", m.Frame.FrameType(), err)}
		}
		rep := ChatReply{Frame: b}
		if ack, ok := m.Frame.(protocol.AckSendMessage); ok {
			rep.Seq = ack.Seq
		}
		return rep
	case ackPosted:
		b, err := n.enc.Encode(m.Ack)
		if err != nil {
			return ChatReply{Err: protocol.Errorf(protocol.CodeInternal, "encode ack: %v", err)}
		}
		return ChatReply{Frame: b, Seq: m.Ack.Seq}
	case replyError:
		return ChatReply{Err: m.Err}
	case bulkPart:
		return ChatReply{Bulk: m.Result}
	}
	return ChatReply{Err: protocol.Errorf(protocol.CodeInternal, "the chat answered %s", fmt.Sprintf("%T", res))}
}

// ChatKnown reports whether chat id exists as far as this node's
// directory knows (it follows the log): the cluster's grain of a chat
// that does not exist leaves memory sooner.
func (n *Node) ChatKnown(id string) bool { return n.dir.Load().Known(id) }
