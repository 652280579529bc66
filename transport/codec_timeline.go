package transport

import (
	"encoding/json"

	"github.com/linkup-chat/linkup/actors"
)

// The v1.1 commands (membership, edits, deletions): each field is checked
// here for presence and type, naming the field; the chat checks the rest
// (lengths, membership, rights, targets).
func init() {
	decoders["add_members"] = decodeAddMembers
	decoders["remove_member"] = decodeAs[actors.RemoveMember]("chat_id", "user")
	decoders["leave_chat"] = decodeAs[actors.LeaveChat]("chat_id")
	decoders["edit_message"] = decodeAs[actors.EditMessage]("chat_id", "seq", "body")
	decoders["delete_message"] = decodeAs[actors.DeleteMessage]("chat_id", "seq")
}

func decodeAddMembers(frame []byte, fields map[string]json.RawMessage) (actors.Command, *actors.Error) {
	cmd, err := into[actors.AddMembers](frame, fields, "chat_id", "members")
	if err != nil {
		return nil, err
	}
	if c := cmd.(actors.AddMembers); len(c.Members) > actors.MaxMembers {
		return nil, actors.Errorf(actors.CodeInvalidPayload, "members: at most %d per chat", actors.MaxMembers)
	}
	return cmd, nil
}

func init() {
	decoders["delivery_receipt"] = decodeAs[actors.DeliveryReceipt]("chat_id", "seq")
}

func init() {
	decoders["get_presence"] = decodeGetPresence
}

func decodeGetPresence(frame []byte, fields map[string]json.RawMessage) (actors.Command, *actors.Error) {
	cmd, err := into[actors.GetPresence](frame, fields, "users")
	if err != nil {
		return nil, err
	}
	c := cmd.(actors.GetPresence)
	if len(c.Users) > actors.MaxPresenceUsers {
		return nil, actors.Errorf(actors.CodeInvalidPayload, "users: at most %d", actors.MaxPresenceUsers)
	}
	for _, u := range c.Users {
		if u == "" || len(u) > actors.MaxIDBytes {
			return nil, actors.Errorf(actors.CodeInvalidPayload, "users: each user id must be 1 to %d bytes", actors.MaxIDBytes)
		}
	}
	return cmd, nil
}
