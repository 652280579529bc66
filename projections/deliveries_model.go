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
}

// deliveryCache holds, for one read-model transaction, what the
// deliveries projection read or wrote: the chats known and each user's
// highest mark by kind, so that a batch reads each once. Every write of
// the table set goes through the transaction, so the cache stays true
// until it ends.
type deliveryCache struct {
	chats map[string]bool
	marks map[[3]string]uint64 // kind, chat, user
}

func (c *deliveryCache) init() {
	if c.chats == nil {
		*c = deliveryCache{chats: map[string]bool{}, marks: map[[3]string]uint64{}}
	}
}
