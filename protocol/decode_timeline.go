package protocol

import (
	"encoding/json"
)

// The v1.1 commands (membership, edits, deletions): each field is checked
// here for presence and type, naming the field; the chat checks the rest
// (lengths, membership, rights, targets).
func init() {
	decoders["add_members"] = decodeAddMembers
	decoders["remove_member"] = decodeAs[RemoveMember]("chat_id", "user")
	decoders["leave_chat"] = decodeAs[LeaveChat]("chat_id")
	decoders["edit_message"] = decodeAs[EditMessage]("chat_id", "seq", "body")
	decoders["delete_message"] = decodeAs[DeleteMessage]("chat_id", "seq")
}

func decodeAddMembers(frame []byte, fields map[string]json.RawMessage) (Command, *Error) {
	cmd, err := into[AddMembers](frame, fields, "chat_id", "members")
	if err != nil {
		return nil, err
	}
	if c := cmd.(AddMembers); len(c.Members) > MaxMembers {
		return nil, Errorf(CodeInvalidPayload, "members: at most %d per chat", MaxMembers)
	}
	return cmd, nil
}

func init() {
	decoders["delivery_receipt"] = decodeAs[DeliveryReceipt]("chat_id", "seq")
}

func init() {
	decoders["get_presence"] = decodeGetPresence
}

func decodeGetPresence(frame []byte, fields map[string]json.RawMessage) (Command, *Error) {
	cmd, err := into[GetPresence](frame, fields, "users")
	if err != nil {
		return nil, err
	}
	c := cmd.(GetPresence)
	if len(c.Users) > MaxPresenceUsers {
		return nil, Errorf(CodeInvalidPayload, "users: at most %d", MaxPresenceUsers)
	}
	for _, u := range c.Users {
		if u == "" || len(u) > MaxIDBytes {
			return nil, Errorf(CodeInvalidPayload, "users: each user id must be 1 to %d bytes", MaxIDBytes)
		}
	}
	return cmd, nil
}
