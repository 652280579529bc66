package actors

import (
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/protocol"
)

// The wire's limits (checked by protocol.Decode) are the domain's (checked
// by chat.Decide): each pair below fails to compile unless they are equal.
const (
	_ uint = protocol.MaxBodyBytes - chat.MaxBodyBytes
	_ uint = chat.MaxBodyBytes - protocol.MaxBodyBytes
	_ uint = protocol.MaxTitleBytes - chat.MaxTitleBytes
	_ uint = chat.MaxTitleBytes - protocol.MaxTitleBytes
	_ uint = protocol.MaxMembers - chat.MaxMembers
	_ uint = chat.MaxMembers - protocol.MaxMembers
	_ uint = protocol.MaxIDBytes - chat.MaxIDBytes
	_ uint = chat.MaxIDBytes - protocol.MaxIDBytes
	_ uint = protocol.MaxIDBytes - chat.MaxClientMsgID
	_ uint = chat.MaxClientMsgID - protocol.MaxIDBytes
)

// CheckReadable reports whether user may read the chat (history, sync,
// summary), by package chat's rule, as a client error.
func CheckReadable(s *ChatState, user string) error {
	if e := s.CheckReadable(user); e != nil {
		return fromChat(e)
	}
	return nil
}

// fromChat is a refusal of package chat as a client error: the same code
// and message.
func fromChat(e *chat.Error) *protocol.Error {
	if e == nil {
		return nil
	}
	return &protocol.Error{Code: protocol.Code(e.Code), Message: e.Message}
}

// validateChatID checks a chat id by package chat's rule (connections
// check it before a request reaches a chat).
func validateChatID(id string) error {
	if e := chat.ValidateChatID(id); e != nil {
		return fromChat(e)
	}
	return nil
}

func asErrOrNil(err error) *protocol.Error {
	if err == nil {
		return nil
	}
	return protocol.AsError(err)
}
