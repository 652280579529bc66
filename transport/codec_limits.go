package transport

import (
	"github.com/linkup-chat/linkup/actors"
)

// The longest string a client may supply in each field (PROTOCOL.md
// section 3: every string the server stores or echoes has a documented
// maximum; over it, `invalid_payload`). This is the one place they are
// checked on the way in; the domain checks emptiness and membership.
//
//	ref, chat_id, client_msg_id, user ids, sync chat ids   128 bytes
//	title                                                   256 bytes
//	body                                                 16 KiB
const (
	maxRef   = actors.MaxRefBytes
	maxID    = actors.MaxIDBytes
	maxTitle = actors.MaxTitleBytes
	maxBody  = actors.MaxBodyBytes
)

// checkLimits refuses a command with a string over its maximum. Bulk
// items are checked one by one (a long chat id spoils only its item).
func checkLimits(cmd actors.Command) (actors.Command, *actors.Error) {
	switch m := cmd.(type) {
	case actors.CreateChat:
		return cmd, firstErr(tooLong("chat_id", m.ChatID, maxID), tooLong("title", m.Title, maxTitle), membersTooLong(m.Members))
	case actors.SendMessage:
		return cmd, firstErr(tooLong("chat_id", m.ChatID, maxID), tooLong("client_msg_id", m.ClientMsgID, maxID), tooLong("body", m.Body, maxBody))
	case actors.Typing:
		return cmd, tooLong("chat_id", m.ChatID, maxID)
	case actors.ReadReceipt:
		return cmd, tooLong("chat_id", m.ChatID, maxID)
	case actors.MarkChatRead:
		return cmd, tooLong("chat_id", m.ChatID, maxID)
	case actors.GetHistory:
		return cmd, tooLong("chat_id", m.ChatID, maxID)
	case actors.SyncRequest:
		return cmd, positionsTooLong(m.Positions)
	case actors.BulkReadReceipt:
		return checkReceipts(m), nil
	}
	return cmd, nil
}

func tooLong(field, s string, limit int) *actors.Error {
	if len(s) > limit {
		return actors.Errorf(actors.CodeInvalidPayload, "%s is longer than %d bytes", field, limit)
	}
	return nil
}

func firstErr(errs ...*actors.Error) *actors.Error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func membersTooLong(members []string) *actors.Error {
	for _, m := range members {
		if len(m) > maxID {
			return actors.Errorf(actors.CodeInvalidPayload, "members: each user id must be at most %d bytes", maxID)
		}
	}
	return nil
}

func positionsTooLong(positions map[string]uint64) *actors.Error {
	for ch := range positions {
		if len(ch) > maxID {
			return actors.Errorf(actors.CodeInvalidPayload, "positions: each chat id must be at most %d bytes", maxID)
		}
	}
	return nil
}

// checkReceipts turns each item with a chat id over the maximum into an
// item error, its chat id cut so that the ack does not echo it whole.
func checkReceipts(m actors.BulkReadReceipt) actors.Command {
	for i, r := range m.Receipts {
		if r.Err == nil && len(r.ChatID) > maxID {
			m.Receipts[i] = actors.ReceiptItem{ChatID: truncate(r.ChatID, maxID), Err: tooLong("chat_id", r.ChatID, maxID)}
		}
	}
	return m
}
