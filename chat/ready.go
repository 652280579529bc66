package chat

import "github.com/linkup-chat/linkup/events"

// Ready is what Decide makes of a batch of commands, in the shape of etcd
// raft's Ready: the events to append, and the replies and deliveries to
// send. The shell appends Events as one append (with the expected revision
// of the State they were decided against); once the append is durable it
// calls State.Advance, sends the waiting Replies and then the Deliveries.
// Replies that do not wait are sent at once. A Ready without events is
// handled at once, whole.
//
// If the append fails, nothing of the Ready happened: a waiting reply whose
// command stored an event is answered with the failure instead, and the
// other waiting commands are decided again in a later batch.
type Ready struct {
	Events     []Event
	Replies    []Reply
	Deliveries []Delivery
}

// Event is one event to append, and the index of the command in the batch
// that caused it (whose correlation it carries).
type Event struct {
	Cmd   int
	Event events.Event
}

// Reply answers the command at index Cmd of the batch. Successful Typing
// commands get none; every other command gets exactly one.
type Reply struct {
	Cmd int
	// Waits is set on the replies to the batch's commands from the first
	// one that stored an event on: they may tell of what Events store, so
	// they are sent only once Events are durable. Replies before it were
	// decided against durable state only and are sent at once, so replies
	// keep the order of the commands.
	Waits bool
	// Stored is set when the command's own event is in Events.
	Stored bool
	// Err is set when the command was refused; nothing was stored for it.
	Err *Error
	// Created is the chat a Create made.
	Created events.ChatCreated
	// Posted is the message a Post stored, or, for a Post repeating a
	// client_msg_id earlier in the batch, that earlier message.
	Posted events.MessagePosted
	// Original, when not 0, is the seq of the stored message a Post repeats
	// (same sender and client_msg_id): the answer is that message's ack,
	// which the shell reads back (Decide holds no message bodies).
	Original uint64
	// LastRead is the user's read pointer after a Read.
	LastRead uint64
	// Members is the member list after an AddMembers or a RemoveMember
	// (changed or not).
	Members []string
	// Delivered is the user's delivered pointer after a Deliver.
	Delivered uint64
	// Seq is the timeline item of an Edit or a Delete: the new one, or for
	// a repeat (a deletion of a deleted message, an edit to the body it
	// already has) the one that made it so.
	Seq uint64
}

// DeliveryKind says who a Delivery goes to and what it carries.
type DeliveryKind uint8

// The kinds of deliveries.
const (
	// DeliverJoined goes to each member of Created: they are in a new chat.
	DeliverJoined DeliveryKind = iota + 1
	// DeliverItem goes to every subscriber of the chat except the
	// connection that sent the command (which gets its Reply instead); a
	// membership change (KindMembersChanged) goes to the sender too, and to
	// the connections of the users it adds (who also learn of the chat)
	// and removes (who get nothing of the chat after it).
	DeliverItem
	// DeliverRead goes like DeliverItem: User's pointer is now LastRead.
	DeliverRead
	// DeliverTyping goes to the subscribers of users other than User.
	DeliverTyping
	// DeliverDelivered goes to every subscriber: User's delivered pointer
	// is now LastRead (v1.1 `delivered`).
	DeliverDelivered
)

// Delivery is something the chat's members are to see, caused by the
// command at index Cmd.
type Delivery struct {
	Cmd      int
	Kind     DeliveryKind
	Created  events.ChatCreated // DeliverJoined
	Item     Item               // DeliverItem
	User     string             // DeliverRead, DeliverTyping
	LastRead uint64             // DeliverRead, DeliverDelivered
	IsTyping bool               // DeliverTyping
}
