package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/protocol"
)

// timelineCommand sends a v1.1 command (membership, edit, deletion) to its
// chat, which decides it; the chat answers with the ack or the error.
func (c *connActor) timelineCommand(ctx actor.Context, cmd chatCommand) {
	o := c.origin(ctx, cmd.CommandRef())
	var msg any
	switch m := cmd.(type) {
	case protocol.AddMembers:
		if err := c.checkAddedChats(m.Members); err != nil {
			c.fail(ctx, m.Ref, m.CommandType(), m.ChatID, err)
			return
		}
		msg = chatAddMembers{origin: o, Users: m.Members}
	case protocol.RemoveMember:
		msg = chatRemoveMember{origin: o, Target: m.User}
	case protocol.LeaveChat:
		msg = chatRemoveMember{origin: o, Target: c.info.UserID, Leave: true}
	case protocol.EditMessage:
		msg = chatEdit{origin: o, Seq: m.Seq, Body: m.Body}
	case protocol.DeleteMessage:
		msg = chatDelete{origin: o, Seq: m.Seq}
	case protocol.DeliveryReceipt:
		msg = chatDeliveryReceipt{origin: o, Seq: m.Seq, ConnID: c.id()}
	default:
		return
	}
	c.toChat(ctx, cmd.CommandRef(), cmd.CommandType(), cmd.CommandChat(), msg)
}

// getPresence answers get_presence from the node's presence book.
func (c *connActor) getPresence(ctx actor.Context, m protocol.GetPresence) {
	c.send(ctx, protocol.PresenceStateFrame{Ref: m.Ref, Users: c.node.presenceOf(c.info.UserID, m.Users)})
}

// checkAddedChats refuses to add a user who already belongs to
// Limits.ChatsPerUser chats, as create_chat does.
func (c *connActor) checkAddedChats(users []string) *protocol.Error {
	limit := c.node.cfg.Limits.ChatsPerUser
	u, full := c.node.dir.Full(users, limit)
	if !full {
		return nil
	}
	c.node.m.limitRefusals.WithLabelValues("chats_per_user").Inc()
	return protocol.Errorf(protocol.CodeInvalidPayload, "member %q is in %d chats, the most one user may be in", u, limit)
}
