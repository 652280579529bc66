package actors

import "github.com/linkup-chat/linkup/protocol"

// chatCommand is a command about one chat.
type chatCommand interface {
	protocol.Command
	CommandChat() string
}

var (
	_ chatCommand = protocol.AddMembers{}
	_ chatCommand = protocol.RemoveMember{}
	_ chatCommand = protocol.LeaveChat{}
	_ chatCommand = protocol.EditMessage{}
	_ chatCommand = protocol.DeleteMessage{}
	_ chatCommand = protocol.DeliveryReceipt{}
)
