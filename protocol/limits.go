package protocol

// The longest string a client may supply in each field (PROTOCOL.md
// section 3: every string the server stores or echoes has a documented
// maximum; over it, `invalid_payload`). Decode is the one place they are
// checked on the way in; the domain checks emptiness and membership (and
// package chat sets the same lengths; actors checks at compile time that
// they agree).
const (
	// MaxRefBytes is the longest `ref` a client may send (longer:
	// invalid_payload, and the error carries no ref).
	MaxRefBytes = 128
	// MaxIDBytes bounds chat_id, client_msg_id, user ids and sync chat ids.
	MaxIDBytes    = 128
	MaxTitleBytes = 256
	MaxBodyBytes  = 16 << 10
	// MaxMembers bounds the members of create_chat and add_members.
	MaxMembers = 1000
)

// Count limits of PROTOCOL.md section 4.
const (
	DefaultHistoryLimit = 50
	MaxHistoryLimit     = 500
	DefaultSyncLimit    = 500
	MaxSyncLimit        = 5000
	MaxBulkReceipts     = 500
	// MaxSyncChats is the most chats one sync_request may name (more:
	// invalid_payload); it is also the default of the server's chats per
	// user, so one sync can name every chat of a user.
	MaxSyncChats = 1000
	// MaxPresenceUsers bounds get_presence.users.
	MaxPresenceUsers = 500
)

const (
	maxRef   = MaxRefBytes
	maxID    = MaxIDBytes
	maxTitle = MaxTitleBytes
	maxBody  = MaxBodyBytes
)

// checkLimits refuses a command with a string over its maximum. Bulk
// items are checked one by one (a long chat id spoils only its item).
func checkLimits(cmd Command) (Command, *Error) {
	switch m := cmd.(type) {
	case CreateChat:
		return cmd, firstErr(tooLong("chat_id", m.ChatID, maxID), tooLong("title", m.Title, maxTitle), membersTooLong(m.Members))
	case SendMessage:
		return cmd, firstErr(tooLong("chat_id", m.ChatID, maxID), tooLong("client_msg_id", m.ClientMsgID, maxID), tooLong("body", m.Body, maxBody))
	case Typing:
		return cmd, tooLong("chat_id", m.ChatID, maxID)
	case ReadReceipt:
		return cmd, tooLong("chat_id", m.ChatID, maxID)
	case MarkChatRead:
		return cmd, tooLong("chat_id", m.ChatID, maxID)
	case GetHistory:
		return cmd, tooLong("chat_id", m.ChatID, maxID)
	case SyncRequest:
		return cmd, positionsTooLong(m.Positions)
	case BulkReadReceipt:
		return checkReceipts(m), nil
	}
	return cmd, nil
}

func tooLong(field, s string, limit int) *Error {
	if len(s) > limit {
		return Errorf(CodeInvalidPayload, "%s is longer than %d bytes", field, limit)
	}
	return nil
}

func firstErr(errs ...*Error) *Error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func membersTooLong(members []string) *Error {
	for _, m := range members {
		if len(m) > maxID {
			return Errorf(CodeInvalidPayload, "members: each user id must be at most %d bytes", maxID)
		}
	}
	return nil
}

func positionsTooLong(positions map[string]uint64) *Error {
	for ch := range positions {
		if len(ch) > maxID {
			return Errorf(CodeInvalidPayload, "positions: each chat id must be at most %d bytes", maxID)
		}
	}
	return nil
}

// checkReceipts turns each item with a chat id over the maximum into an
// item error, its chat id cut so that the ack does not echo it whole.
func checkReceipts(m BulkReadReceipt) Command {
	for i, r := range m.Receipts {
		if r.Err == nil && len(r.ChatID) > maxID {
			m.Receipts[i] = ReceiptItem{ChatID: truncate(r.ChatID, maxID), Err: tooLong("chat_id", r.ChatID, maxID)}
		}
	}
	return m
}
