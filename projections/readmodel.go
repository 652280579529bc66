package projections

import (
	"context"
	"time"

	"github.com/linkup-chat/linkup/protocol"
)

// ReadModel is the storage behind the projections: rows, checkpoints and
// poison records, and the queries the analyst API serves. SQLite
// (readmodel_sqlite*.go) and PostgreSQL (readmodel_postgres*.go) implement
// it; the projections' logic does not change between them.
//
// Contract:
//   - All methods are safe for concurrent use. Queries never wait for a
//     write transaction or a rebuild: they read the last committed state.
//   - Begin opens one write transaction on a table set ("" is the live set,
//     a rebuild gets its own from PrepareRebuild). Rows and checkpoint
//     written through one Tx become visible together at Commit, or not at
//     all. Writers of the same table set are serialised (SQLite: of the
//     same database); Begin waits for the others (bounded by ctx).
//   - Swap makes a rebuilt table set the live one atomically: queries see
//     either the old rows and checkpoint or the new ones.
//   - Cancelling ctx aborts the call; an open Tx is rolled back.
//   - Every Tx ends with Commit or Rollback (Rollback after Commit, as a
//     deferred call, does nothing); until then it holds the table set.
type ReadModel interface {
	Begin(ctx context.Context, name, set string) (Tx, error)
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
	Checkpoint(ctx context.Context, name string) (uint64, error)
	// The queries answer the analyst API (GET /v1/errors,
	// /v1/errors/hourly, /v1/read-states, /v1/deliveries) in the wire's
	// own types, package protocol's; they cap what they return at
	// protocol's limits (protocol.MaxErrorLimit, protocol.MaxErrorCounts, protocol.MaxReadStates,
	// protocol.MaxDeliveryItems).
	Errors(ctx context.Context, q protocol.ErrorQuery) (protocol.ErrorPage, error)
	ErrorCounts(ctx context.Context, q protocol.ErrorCountQuery) ([]protocol.ErrorCount, error)
	// ReadStates computes unread with package chat's UnreadItems from
	// the stored pointer, latest seq and uncounted items: no SQL
	// restates the rule.
	ReadStates(ctx context.Context, q protocol.ReadStateQuery) ([]protocol.ReadState, error)
	// Deliveries answers the delivery audit of one timeline item (v1.1,
	// the deliveries projection); ErrUnknownItem when the chat has no
	// such item (yet).
	Deliveries(ctx context.Context, q protocol.DeliveriesQuery) (protocol.Deliveries, error)
	// PrepareRebuild creates a fresh, empty table set for projection name
	// and returns its id, to pass to Begin and Swap.
	PrepareRebuild(ctx context.Context, name string) (set string, err error)
	// Swap makes set the live table set of name. Inside the swap's
	// transaction it calls catchUp with a Tx on set and the live
	// checkpoint, so the rebuilt rows can reach at least the live position
	// before they replace it.
	Swap(ctx context.Context, name, set string, catchUp func(tx Tx, live uint64) error) error
	// DropRebuild removes an unfinished rebuild's table set.
	DropRebuild(ctx context.Context, name, set string) error
	Close() error
}

// Tx is one write transaction of one projection on one table set. It is
// used by one goroutine at a time. The read-state operations only read and
// write rows; what to write is decided by package chat's rules, which the
// projections apply, so that every read model means the same as the chat.
type Tx interface {
	// Checkpoint is the position the table set has projected up to, as
	// committed (0 before the first event).
	Checkpoint() (uint64, error)
	// SetCheckpoint records pos as projected, in this transaction.
	SetCheckpoint(pos uint64) error
	// RecordPoison records an event the projection skipped.
	RecordPoison(p Poison) error

	// InsertError adds one error-log row and counts it in its hour; a row
	// with the same ID is left as it is (idempotent by position).
	InsertError(row ErrorRow) error

	// AddChat records a chat and a read state at 0 for each member; a chat
	// already known is left as it is.
	AddChat(chatID string, members []string) error
	// LatestSeq returns the chat's latest seq; known is false when the
	// chat is unknown.
	LatestSeq(chatID string) (seq uint64, known bool, err error)
	// SetLatestSeq sets a known chat's latest seq (an unknown chat is left
	// alone).
	SetLatestSeq(chatID string, seq uint64) error
	// ReadPointer returns user's read pointer in chat; member is false
	// when user has no read state there (not a member).
	ReadPointer(chatID, user string) (seq uint64, member bool, err error)
	// SetReadPointer sets a member's read pointer (a non-member is left
	// alone).
	SetReadPointer(chatID, user string, seq uint64) error
	// JoinChat gives user a read state in a known chat at seq, replacing
	// any (v1.1: a member added by the item at seq).
	JoinChat(chatID, user string, seq uint64) error
	// LeaveChat removes user's read state in chat, if any (v1.1: a member
	// removed).
	LeaveChat(chatID, user string) error
	// Uncount records that the chat's timeline item seq does not count as
	// unread (v1.1: items other than messages, deleted messages);
	// idempotent. Unread is then chat.UnreadItems(last_read_seq,
	// latest_seq, the uncounted seqs in last_read_seq+1..latest_seq).
	Uncount(chatID string, seq uint64) error

	// The deliveries projection's operations (v1.1, deliveries.go).
	//
	// AddDeliveryChat records a chat and its members from seq 0; a chat
	// already known is left as it is.
	AddDeliveryChat(chatID string, members []string) error
	// DeliveryChatKnown reports whether AddDeliveryChat recorded chatID.
	DeliveryChatKnown(chatID string) (bool, error)
	// AddDeliveryItem records timeline item seq of a chat and its time
	// (idempotent: a known item is left as it is).
	AddDeliveryItem(chatID string, seq uint64, at time.Time) error
	// JoinDeliveryMember makes user a member from seq, unless already one.
	JoinDeliveryMember(chatID, user string, seq uint64) error
	// LeaveDeliveryMember ends user's membership at seq (the user is not a
	// member at seq); a non-member is left alone.
	LeaveDeliveryMember(chatID, user string, seq uint64) error
	// LastDeliveryMark is the highest UpTo of user's marks of kind in the
	// chat (0 when none).
	LastDeliveryMark(kind MarkKind, chatID, user string) (uint64, error)
	// AddDeliveryMark stores a mark; its UpTo is above LastDeliveryMark.
	AddDeliveryMark(m DeliveryMark) error

	Commit() error
	Rollback() error
}

// Checkpoint is one projection's committed position.
type Checkpoint struct {
	Name      string
	Position  uint64
	UpdatedAt time.Time
	Poisoned  int64
}

// Poison is an event a projection could not apply.
type Poison struct {
	Position  uint64
	Stream    string
	EventType string
	Reason    string
}

// ErrorRow is one row of the error log as the projection writes it: an
// ErrorRecorded and its position. Queries read it back as a
// protocol.ErrorItem.
type ErrorRow struct {
	ID           uint64
	ErrorType    string
	Message      string
	Severity     string
	User         string
	ConnectionID string
	Context      map[string]any
	At           time.Time
}

// ErrorQuery and ReadStateQuery name the wire's query parameters for
// callers that only know the read model. They are aliases, not new types:
// the one declaration is package protocol's.
type (
	ErrorQuery     = protocol.ErrorQuery
	ReadStateQuery = protocol.ReadStateQuery
)
