package actors

import (
	"context"

	"github.com/linkup-chat/linkup/protocol"
)

// Router places chat commands in a cluster (docs/CLUSTER.md, "Wiring it
// in"): the commands that append (create_chat, send_message, the read and
// delivery receipts, add_members, remove_member, leave_chat, edit_message,
// delete_message) go to the node that owns the chat, whose
// Node.HandleChat decides them; reads (history, sync, list_chats) and
// typing (it stores nothing) stay with this node's chat actors.
// Config.Router nil means every command is handled here, as on a single
// node.
//
// Contract: Route hands req to Node.HandleChat on the node that owns
// req.ChatID and returns that call's reply. It is called from a goroutine
// of the requesting connection, never from an actor's Receive, and may
// block up to its own bound (a few per-try timeouts); it returns an error
// when the owner could not be reached within that bound, and the client
// is then answered `unavailable` (retryable) on a connection that stays
// open. A try that timed out is repeated with the same request only when
// req.Idempotent() says a repeat is harmless. Route is safe for
// concurrent use.
type Router interface {
	Route(ctx context.Context, req ChatRequest) (ChatReply, error)
}

// ChatRequest is a chat command as it crosses nodes: values only (the
// connection's PID does not cross; ConnID names the connection, so the
// owner can answer it directly when it is its own).
type ChatRequest struct {
	ChatID string `json:"chat_id"`
	// Command is the protocol's command type ("send_message", ...);
	// bulk_read_receipt stands for one item of a bulk.
	Command string `json:"command"`
	User    string `json:"user"`
	Ref     string `json:"ref,omitempty"`
	// Corr is the correlation id every event caused by the command
	// carries.
	Corr   string `json:"corr"`
	ConnID string `json:"conn_id"`
	// Node is the requesting node's name (logs).
	Node        string   `json:"node"`
	Title       string   `json:"title,omitempty"`
	Members     []string `json:"members,omitempty"`
	ClientMsgID string   `json:"client_msg_id,omitempty"`
	Body        string   `json:"body,omitempty"`
	Seq         uint64   `json:"seq,omitempty"`
	Users       []string `json:"users,omitempty"`
	Target      string   `json:"target,omitempty"`
}

// Idempotent reports whether delivering req twice has the effect of
// delivering it once, so that a try that timed out may be repeated:
// send_message (the chat deduplicates client_msg_id per sender), the
// read and delivery receipts (pointers only move forward) and
// delete_message (deleting twice gets the original ack). create_chat
// (a repeat is refused as `conflict`), edit_message (a repeat is a second
// edit), add_members and remove_member/leave_chat (a repeat is refused)
// are tried once.
func (r ChatRequest) Idempotent() bool {
	switch r.Command {
	case "send_message", "read_receipt", "mark_chat_read", "bulk_read_receipt", "delivery_receipt", "delete_message":
		return true
	}
	return false
}

// ChatReply is the owner's answer to a ChatRequest: exactly one of Frame
// (the encoded reply frame), Err, Bulk (the result of a bulk item, its
// ChatID set), or Direct (the owner is the requesting connection's node
// and answered it itself).
type ChatReply struct {
	Frame []byte              `json:"frame,omitempty"`
	Err   *protocol.Error     `json:"err,omitempty"`
	Bulk  protocol.BulkResult `json:"bulk,omitzero"`
	// Seq is the seq an ack of send_message carries (the connection
	// notes it as received, so the message frame is not sent to it too).
	Seq    uint64 `json:"seq,omitempty"`
	Direct bool   `json:"direct,omitempty"`
}
