package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// origin identifies who asked: the connection actor to answer, its user,
// the client's ref, and the correlation id that every event caused by the
// request carries.
type origin struct {
	Conn *actor.PID
	// Self names the requesting connection when Conn is not it: a command
	// routed from another node is answered through a future (Conn), but
	// its items must carry the connection's own name, so that it skips
	// its own message whether its ack or the delivery arrives first (the
	// two travel different paths). Nil otherwise.
	Self *actor.PID
	User string
	Ref  string
	Corr string
}

// sender names the connection that sent the command, for its items.
func (o origin) sender() *actor.PID {
	if o.Self != nil {
		return o.Self
	}
	return o.Conn
}

// Requests to a chat actor.
type (
	chatCreate struct {
		origin
		Title   string
		Members []string
	}
	chatPost struct {
		origin
		ClientMsgID string
		Body        string
	}
	// chatRead moves a read pointer; ToLatest is mark_chat_read. With Bulk
	// set, the answer is a bulkPart instead of an ack frame.
	chatRead struct {
		origin
		Seq      uint64
		ToLatest bool
		Bulk     *bulkSlot
	}
	chatTyping struct {
		origin
		IsTyping bool
	}
	// chatAddMembers adds Users (add_members).
	chatAddMembers struct {
		origin
		Users []string
	}
	// chatRemoveMember removes Target (remove_member; leave_chat when
	// Target is the user, Leave set).
	chatRemoveMember struct {
		origin
		Target string
		Leave  bool
	}
	// chatEdit edits the message Seq (edit_message).
	chatEdit struct {
		origin
		Seq  uint64
		Body string
	}
	// chatDelete deletes the message Seq (delete_message).
	chatDelete struct {
		origin
		Seq uint64
	}
	// chatDeliveryReceipt: connection ConnID has received every item up
	// to Seq (delivery_receipt).
	chatDeliveryReceipt struct {
		origin
		Seq    uint64
		ConnID string
	}
	// chatSubscribe adds a connection to the chat's fan-out. With Welcome
	// set (a chat the user just joined), the chat first sends Welcome (its
	// chat_created frame) and every item it holds from seq From on (1 for
	// a new chat, the members_changed that added the user otherwise), so
	// an item stored right after the user joined cannot slip past their
	// connection.
	//
	// With Attach set (a connection that just attached, accepted when its
	// node's log follower had read up to position Since), the chat first
	// sends what it stored after Since (attachCatchUp): chat_created if
	// the chat, or the user's membership, is that recent, and the items.
	chatSubscribe struct {
		Conn    *actor.PID
		User    string
		Welcome []byte
		From    uint64
		Attach  bool
		Since   uint64
	}
	chatUnsubscribe struct{ Conn *actor.PID }
	chatSummaryReq  struct {
		origin
		Agg uint64
	}
	chatHistoryReq struct {
		origin
		Before uint64
		Limit  int
	}
	chatSyncReq struct {
		origin
		After uint64
		Limit int
		Agg   uint64
		// Sent is when the connection sent it: a chat that finds itself
		// behind answers from a read of its stream begun after it
		// (chat_fresh.go).
		Sent time.Time
	}
	// chatMemberReq asks whether User is a member, for a sync naming a
	// chat the node's directory does not list for the user (it may not
	// have caught up yet): answered with a memberPart for probe Probe,
	// from a read of the stream begun after Sent if the chat does not
	// list the user (chat_fresh.go).
	chatMemberReq struct {
		origin
		Probe uint64
		Sent  time.Time
	}
)

// bulkSlot says which bulk request and which item an answer belongs to.
type bulkSlot struct {
	Agg   uint64
	Index int
}

// Answers from a chat actor to a connection actor.
type (
	// replyFrame is a direct reply to send as is.
	replyFrame struct{ Frame protocol.Frame }
	// ackPosted is a post's ack: its one field a pointer, so the message
	// is boxed without an allocation, and the frame is encoded through
	// the pointer without being boxed again; one allocation per ack
	// instead of three (frame box, message box and the frame).
	ackPosted struct{ Ack *protocol.AckSendMessage }
	// replyError is a refused request: the connection actor sends the error
	// frame and records it.
	replyError struct {
		Ref     string
		Command string
		ChatID  string
		Err     *protocol.Error
	}
	summaryPart struct {
		Agg     uint64
		Summary protocol.ChatSummary
		Err     *protocol.Error
	}
	syncPart struct {
		Agg      uint64
		ChatID   string
		Messages []chat.Item
		Info     protocol.SyncChat
		Err      *protocol.Error
	}
	bulkPart struct {
		Slot   bulkSlot
		Result protocol.BulkResult
	}
	// memberPart answers a chatMemberReq: Member, or Err when the chat
	// could not tell (its store read failed).
	memberPart struct {
		Probe  uint64
		ChatID string
		Member bool
		Err    *protocol.Error
	}
	// deliver carries fan-out frames of one chat, in seq order. Frames whose
	// Origin is the receiving connection are skipped (the sender gets an ack
	// instead).
	//
	// Frames, when set, is Items' frames in order, made once by the chat
	// and shared (read only) by every subscriber: a connection that sends
	// one contiguous run of the items hands the socket a slice of it
	// instead of making its own list (one list per batch, not one per
	// member connection).
	deliver struct {
		ChatID string
		Items  []deliverItem
		Frames [][]byte
	}
)

type deliverItem struct {
	Seq    uint64 // 0 for frames outside the message order (typing, read)
	Frame  []byte
	Origin *actor.PID
	// CatchUp marks messages re-sent to welcome a new member's connection;
	// the connection drops those it has already delivered (by sync).
	CatchUp bool
	// Sent names the command of the welcomed connection's user that
	// stored a catch-up item (catch-up items carry no Origin): the
	// connection whose routed command it is, still unanswered, takes it as
	// its own. Zero for every other item.
	Sent sentCmd
}

// sentCmd is a user's command as a catch-up item shows it: a send by its
// client_msg_id, an edit or a delete by the seq it targets; Command is ""
// when the item names none.
type sentCmd struct {
	Command     string
	ClientMsgID string
	Target      uint64
}

// Internal messages of the chat actor.
type (
	chatLoaded struct {
		State *ChatState
		Marks seqMarks
		Err   error
	}
	appendDone struct {
		Batch uint64
		Res   events.AppendResult
		Err   error
	}
)

// Messages about the shared log (chat_observe.go, follow.go): the node's
// log follower tells a chat what was appended to its stream by anyone, and
// a chat reads what it missed.
type (
	// chatObserved is one event of the chat's stream as the log holds it,
	// from the node's log follower; the chat applies it if it is the next
	// revision, ignores it if it has it already, and reads a gap from the
	// store.
	chatObserved struct{ Rec events.RecordedEvent }
	// chatCaughtUp is a catch-up read of the chat's stream: the events
	// after the revision the chat had, More set when there are more.
	chatCaughtUp struct {
		Recs []events.RecordedEvent
		More bool
		Err  error
	}
	// chatWelcome asks a chat that was not in memory when another node
	// added Users (at seq From; 0 for a new chat) to welcome those of them
	// online on this node.
	chatWelcome struct {
		Users []string
		From  uint64
	}
	// chatCatchUpRetry is sent to a chat by its timer after a catch-up
	// read failed.
	chatCatchUpRetry struct{}
	// chatDirApplied: the directory's owner published a membership change
	// the chat read from the log (dirObserved); the chat now tells the
	// users online here.
	chatDirApplied struct{ Event events.Event }
	// chatWelcomeRead carries the items a welcome needs that the ring
	// did not hold (up to seq Hi), read for the subscription Sub.
	chatWelcomeRead struct {
		Sub   chatSubscribe
		Items []chat.Item
		Hi    uint64
		Err   *protocol.Error
	}
)
