package actors

import (
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// timelineFrame is the frame of a timeline item, as chat.Overlay.Show
// left it: live items are shown as they were posted, history and sync
// items as they stand now.
func timelineFrame(it chat.Item) protocol.Frame {
	switch e := it.Event.(type) {
	case events.MembersAdded:
		return protocol.MembersChangedFrame{ChatID: e.ChatID, Seq: e.Seq, Added: orEmpty(e.Users), Removed: []string{}, By: e.By, Members: orEmpty(e.Members)}
	case events.MemberRemoved:
		return protocol.MembersChangedFrame{ChatID: e.ChatID, Seq: e.Seq, Added: []string{}, Removed: []string{e.User}, By: e.By, Members: orEmpty(e.Members)}
	case events.MessageEdited:
		return protocol.MessageEditedFrame{ChatID: e.ChatID, Seq: e.Seq, TargetSeq: e.TargetSeq, Body: e.Body, EditedAt: e.At, By: e.By, Deleted: it.Deleted}
	case events.MessageDeleted:
		return protocol.MessageDeletedFrame{ChatID: e.ChatID, Seq: e.Seq, TargetSeq: e.TargetSeq, By: e.By}
	}
	m := it.Message
	if !it.Deleted && it.EditedAt.IsZero() {
		return messageFrameOf(m)
	}
	f := protocol.ShownMessageFrame{ChatID: m.ChatID, Seq: m.Seq, MessageID: m.MessageID, Sender: m.Sender, Body: m.Body,
		SentAt: m.SentAt, ClientMsgID: m.ClientMsgID, Deleted: it.Deleted}
	if !it.EditedAt.IsZero() {
		at := it.EditedAt
		f.EditedAt = &at
	}
	return f
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
