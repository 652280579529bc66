package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/protocol"
)

// maxRoutedPending bounds the routed commands one connection has waiting
// (in flight or queued behind one to the same chat); past it a command
// gets `rate_limited`, like a full chat queue.
const maxRoutedPending = 256

// routes are a connection's routed commands, one queue per chat: the head
// is in flight, the others wait for it, so one connection's commands to a
// chat reach its owner in the order they were sent (as they reach a local
// chat actor's mailbox).
type routes struct {
	queues map[string][]routedCmd
	n      int
}

// routedCmd is a command waiting for its owner's answer; Slot is set for
// an item of a bulk_read_receipt.
type routedCmd struct {
	req  ChatRequest
	slot *bulkSlot
}

// routedReply is a routed command's answer back at its connection: Err
// set when the owner could not be reached.
type routedReply struct {
	ChatID string
	Reply  ChatReply
	Err    *protocol.Error
}

// errOwnerUnreachable answers a command whose chat's owner did not answer
// within the router's tries.
var errOwnerUnreachable = protocol.Errorf(protocol.CodeUnavailable, "the node that holds this chat did not answer; the request may not have been stored; retry (a send retried with the same client_msg_id is never stored twice)")

// chatSend sends a request to its chat: through Config.Router when the
// node is in a cluster and the command appends, else to this node's chat
// actor.
func (c *connActor) chatSend(ctx actor.Context, chatID string, msg any) {
	if c.node.cfg.Router == nil {
		c.node.sendChat(chatID, msg)
		return
	}
	req, slot, ok := c.requestOf(chatID, msg)
	if !ok {
		c.node.sendChat(chatID, msg)
		return
	}
	if c.requests().routes.n >= maxRoutedPending {
		c.routedAnswer(ctx, routedCmd{req: req, slot: slot}, ChatReply{Err: ErrOverloaded})
		return
	}
	if c.reqs.routes.queues == nil {
		c.reqs.routes.queues = map[string][]routedCmd{}
	}
	c.reqs.routes.n++
	c.reqs.routes.queues[chatID] = append(c.reqs.routes.queues[chatID], routedCmd{req: req, slot: slot})
	if len(c.reqs.routes.queues[chatID]) == 1 {
		c.startRoute(ctx, chatID)
	}
}

// startRoute sends the head of a chat's queue to its owner on a goroutine;
// the answer comes back as a routedReply.
func (c *connActor) startRoute(ctx actor.Context, chatID string) {
	req := c.reqs.routes.queues[chatID][0].req
	self, sys, router, nctx, log := ctx.Self(), c.node.system, c.node.cfg.Router, c.node.ctx, c.node.log
	go func() {
		rep, err := router.Route(nctx, req)
		var perr *protocol.Error
		if err != nil {
			log.Warn("routed chat command failed", "chat", req.ChatID, "command", req.Command, "err", err)
			perr = errOwnerUnreachable
		}
		sys.Root.Send(self, routedReply{ChatID: chatID, Reply: rep, Err: perr})
	}()
}

// onRouted answers the head of a chat's queue and sends the next.
func (c *connActor) onRouted(ctx actor.Context, m routedReply) {
	if c.reqs == nil {
		return
	}
	q := c.reqs.routes.queues[m.ChatID]
	if len(q) == 0 {
		return
	}
	head := q[0]
	if len(q) == 1 {
		delete(c.reqs.routes.queues, m.ChatID)
	} else {
		c.reqs.routes.queues[m.ChatID] = q[1:]
		c.startRoute(ctx, m.ChatID)
	}
	c.reqs.routes.n--
	rep := m.Reply
	if m.Err != nil {
		rep = ChatReply{Err: m.Err}
	}
	c.routedAnswer(ctx, head, rep)
}

// routing reports whether cmd is among the connection's routed commands
// to chatID still waiting for their answer.
func (c *connActor) routing(chatID string, cmd sentCmd) bool {
	if c.reqs == nil {
		return false
	}
	for _, r := range c.reqs.routes.queues[chatID] {
		if r.req.Command != cmd.Command {
			continue
		}
		if cmd.Command == "send_message" && r.req.ClientMsgID == cmd.ClientMsgID || cmd.Command != "send_message" && r.req.Seq == cmd.Target {
			return true
		}
	}
	return false
}

// routedAnswer hands an owner's answer to the connection as the chat
// actor's own would be.
func (c *connActor) routedAnswer(ctx actor.Context, cmd routedCmd, rep ChatReply) {
	switch {
	case rep.Direct:
	case cmd.slot != nil:
		res := protocol.BulkResult{ChatID: cmd.req.ChatID}
		if rep.Bulk.ChatID != "" {
			res = rep.Bulk
		} else if rep.Err != nil {
			res.Error = &protocol.ErrorFrame{Code: rep.Err.Code, Message: rep.Err.Message}
		}
		c.aggregatePart(ctx, bulkPart{Slot: *cmd.slot, Result: res})
	case rep.Err != nil:
		c.fail(ctx, cmd.req.Ref, cmd.req.Command, cmd.req.ChatID, rep.Err)
	default:
		c.answered(cmd.req.ChatID, rep.Seq) // its ack carries the seq: no message frame too
		c.sendRaw(ctx, rep.Frame)
	}
}

// requestOf turns a chat request into its routed form; false for the
// requests that stay on this node (reads, typing, subscriptions).
func (c *connActor) requestOf(chatID string, msg any) (ChatRequest, *bulkSlot, bool) {
	var o origin
	r := ChatRequest{ChatID: chatID, ConnID: c.id(), Node: c.node.name}
	var slot *bulkSlot
	switch m := msg.(type) {
	case chatCreate:
		o, r.Command, r.Title, r.Members = m.origin, "create_chat", m.Title, m.Members
	case chatPost:
		o, r.Command, r.ClientMsgID, r.Body = m.origin, "send_message", m.ClientMsgID, m.Body
	case chatRead:
		o, r.Command, r.Seq, slot = m.origin, commandOfRead(m), m.Seq, m.Bulk
		if slot != nil {
			r.Command = "bulk_read_receipt"
		}
	case chatAddMembers:
		o, r.Command, r.Users = m.origin, "add_members", m.Users
	case chatRemoveMember:
		o, r.Command, r.Target = m.origin, removeCommand(m), m.Target
	case chatEdit:
		o, r.Command, r.Seq, r.Body = m.origin, "edit_message", m.Seq, m.Body
	case chatDelete:
		o, r.Command, r.Seq = m.origin, "delete_message", m.Seq
	case chatDeliveryReceipt:
		o, r.Command, r.Seq = m.origin, "delivery_receipt", m.Seq
	default:
		return ChatRequest{}, nil, false
	}
	r.User, r.Ref, r.Corr = o.User, o.Ref, o.Corr
	return r, slot, true
}
