package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// onTimelineCommand queues a v1.1 command (membership, edit, deletion) for
// the next batch, like a post.
func (c *chatActor) onTimelineCommand(ctx actor.Context, msg any) {
	var cmd chat.Command
	switch m := msg.(type) {
	case chatAddMembers:
		cmd = chat.AddMembers{By: m.User, Users: m.Users}
	case chatRemoveMember:
		cmd = chat.RemoveMember{By: m.User, User: m.Target}
		c.queueDelivery(m.Target)
	case chatEdit:
		cmd = chat.Edit{By: m.User, Seq: m.Seq, Body: m.Body}
	case chatDelete:
		cmd = chat.Delete{By: m.User, Seq: m.Seq}
	}
	c.enqueue(ctx, &op{msg: msg, cmd: cmd})
}

// answerTimeline sends the ack of a v1.1 command.
func (c *chatActor) answerTimeline(ctx actor.Context, o *op, r chat.Reply) {
	switch o.msg.(type) {
	case chatAddMembers, chatRemoveMember:
		ctx.Send(o.origin().Conn, replyFrame{Frame: protocol.AckMembers{Ref: o.origin().Ref, ChatID: c.id, Members: orEmpty(r.Members)}})
	case chatEdit, chatDelete:
		ctx.Send(o.origin().Conn, replyFrame{Frame: protocol.AckTimelineItem{Ref: o.origin().Ref, ChatID: c.id, Seq: r.Seq}})
	}
}

func removeCommand(m chatRemoveMember) string {
	if m.Leave {
		return "leave_chat"
	}
	return "remove_member"
}

// membersCommitted follows a durable membership change outside the chat
// (the node's directory has it already, see membership): the user actors of those added (who subscribe
// their connections, welcomed from the item that added them) and removed
// (who stop subscribing to the chat).
func (c *chatActor) membersCommitted(ev events.Event) {
	switch e := ev.(type) {
	case events.MembersAdded:
		frame, err := c.node.enc.Encode(protocol.ChatCreatedFrame{ChatID: c.id, Title: c.state.Title, Members: orEmpty(e.Members), CreatedBy: c.state.CreatedBy})
		if err != nil {
			return
		}
		for _, u := range e.Users {
			c.node.sendUser(u, userJoined{ChatID: c.id, Frame: frame, From: e.Seq})
		}
	case events.MemberRemoved:
		c.node.sendUser(e.User, userLeft{ChatID: c.id})
	}
}

// unsubscribeUser drops every connection of user from the chat's fan-out:
// from this moment on the chat sends them nothing.
func (c *chatActor) unsubscribeUser(user string) {
	for id, s := range c.subs {
		if s.user == user {
			delete(c.subs, id)
		}
	}
}
