// Package chat is linkup's chat domain, free of actors, I/O and clocks: a
// chat's State, Apply (an event folded into the state) and Decide (a batch
// of commands decided into a Ready).
//
// It is written in the shape of etcd raft's Ready/Advance: the core
// decides, a driver persists and then publishes. The chat actor in package
// actors is that driver; it only moves messages:
//
//	rd := chat.Decide(state, time.Now(), cmds)  // cmds: what queued up
//	send every rd.Replies[i] with !Waits         // refusals, no-op reads
//	append rd.Events as one append               // expected revision: state.Revision
//	// ... once the append is durable (its first event at revision first):
//	state.Advance(rd, first)
//	send the rd.Replies with Waits, then rd.Deliveries
//
// Only one Ready is in flight at a time: the next batch is decided after
// Advance, against durable state, so message seqs stay gap-free and acks
// follow durability. If the append fails, the commands whose events it
// carried are answered with the failure and nothing is applied.
//
// The rules of a chat live here once: who may do what (members only, the
// creator always a member), the limits (MaxBodyBytes ...), idempotent sends
// (a repeated client_msg_id, within the last DedupPerSender messages of
// its sender, answers with the original message), and the read rules
// (a read command moves a pointer no further than the latest seq; a
// pointer never moves back; a sender has read what they sent; Unread). The
// read-state projection and replay use the same functions (RaiseRead,
// RaiseLatest, ReadMove, Unread, Fold) instead of restating them.
//
// A chat's timeline is its items in seq order (Timeline, Item, Kind):
// messages, membership changes (AddMembers, RemoveMember: any member adds,
// the creator removes others, anyone leaves; a member added later starts
// reading at the item that added them), edits (the sender only) and
// deletions (the sender or the creator), each with its own seq. A State
// keeps 8 bytes per item (its kind and sender) to decide edits and
// deletions, the deleted messages and the latest body of each edited one
// (Overlay shows history and sync as they stand now), and counts unread as
// the messages, not deleted, above a member's pointer (UnreadItems).
package chat
