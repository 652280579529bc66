package actors

import "github.com/linkup-chat/linkup/chat"

// Domain limits, as package chat sets them; transport checks some of them
// before a command reaches a chat.
const (
	MaxBodyBytes   = chat.MaxBodyBytes
	MaxTitleBytes  = chat.MaxTitleBytes
	MaxMembers     = chat.MaxMembers
	MaxIDBytes     = chat.MaxIDBytes
	MaxClientMsgID = chat.MaxClientMsgID
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
func fromChat(e *chat.Error) *Error {
	if e == nil {
		return nil
	}
	return &Error{Code: Code(e.Code), Message: e.Message}
}

// validateChatID checks a chat id by package chat's rule (connections
// check it before a request reaches a chat).
func validateChatID(id string) error {
	if e := chat.ValidateChatID(id); e != nil {
		return fromChat(e)
	}
	return nil
}

func asErrOrNil(err error) *Error {
	if err == nil {
		return nil
	}
	return AsError(err)
}
