package projections

import "time"

// MarkKind says which pointer a DeliveryMark raised.
type MarkKind string

// The kinds of delivery marks.
const (
	MarkDelivered MarkKind = "delivered" // a MessagesDelivered
	MarkRead      MarkKind = "read"      // a ChatRead, or a message of the user's
)

// DeliveryMark is an event that raised a user's highest delivered (or
// read) seq in a chat: UpTo, when (At) and, for a delivery, on which
// connection.
type DeliveryMark struct {
	Kind         MarkKind
	ChatID, User string
	UpTo         uint64
	At           time.Time
	ConnectionID string // "" for a read
	// Own is set for a read by the user's own message: the same event
	// added timeline item (ChatID, UpTo) with time At, so a read model
	// may keep the mark with that item instead of as a row of its own
	// (SQLite: delivery_items.reader, readmodel_sqlite_deliveries.go).
	Own bool
}

// deliveryCache holds, for one read-model transaction, what the
// deliveries projection read or wrote: the chats known, each chat's
// highest item seq and each user's marks by kind, so that a batch reads
// each once. Every write of the table set goes through the transaction,
// so the cache stays true until it ends.
type deliveryCache struct {
	chats map[string]bool
	tops  map[string]uint64      // chat: highest item seq stored
	marks map[[3]string]markHigh // kind, chat, user
}

// markHigh is a user's highest mark of one kind in a chat (high, what
// LastDeliveryMark answers) and the highest kept as a delivery_marks row
// (row); they differ only for reads kept with their item (SQLite).
type markHigh struct{ high, row uint64 }

func (c *deliveryCache) init() {
	if c.chats == nil {
		*c = deliveryCache{chats: map[string]bool{}, tops: map[string]uint64{}, marks: map[[3]string]markHigh{}}
	}
}
