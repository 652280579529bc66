package chat

import "github.com/linkup-chat/linkup/events"

// checkMember is the rule for everything but Create (posting, reading,
// typing, history): the chat exists and the user is a member.
func checkMember(exists, member bool) *Error {
	switch {
	case !exists:
		return ErrChatNotFound
	case !member:
		return ErrNotMember
	}
	return nil
}

// The read rules. Everything in linkup that moves or shows a read pointer
// (this package's Apply and Decide, the read-state projection, replay)
// calls these; none restates them.

// clampRead is where a read command may move a pointer: no further than
// the chat's latest seq. It is a rule of deciding: a stored ChatRead is a
// fact, applied as it is.
func clampRead(seq, latest uint64) uint64 { return min(seq, latest) }

// RaiseRead is a read pointer after a fact says the user has read up to
// seq: pointers never move back.
func RaiseRead(cur, seq uint64) uint64 { return max(cur, seq) }

// RaiseLatest is a chat's latest seq after an item with seq: the highest
// seen.
func RaiseLatest(latest, seq uint64) uint64 { return max(latest, seq) }

// Unread is how many of a chat's items up to latest a user whose pointer
// is read has not read: latest - read, never below 0.
func Unread(read, latest uint64) uint64 { return latest - min(read, latest) }

// UnreadItems is Unread less the items above the pointer that do not
// count (uncounted: items other than messages, and deleted messages), the
// v1.1 rule: unread counts messages, not deleted, above the read pointer.
func UnreadItems(read, latest, uncounted uint64) uint64 {
	n := Unread(read, latest)
	return n - min(n, uncounted)
}

// Joined is the read pointer of a user added to a chat by the membership
// item at seq: they start there (they see the history, unread starts
// after it).
func Joined(seq uint64) uint64 { return seq }

// Uncounted returns the seqs that ev makes not count as unread: the seq
// of an item other than a message, and the target of a deletion.
func Uncounted(ev events.Event) []uint64 {
	switch e := ev.(type) {
	case events.MessageDeleted:
		return []uint64{e.Seq, e.TargetSeq}
	case events.MembersAdded:
		return []uint64{e.Seq}
	case events.MemberRemoved:
		return []uint64{e.Seq}
	case events.MessageEdited:
		return []uint64{e.Seq}
	}
	return nil
}

// ReadMove reports whose read pointer ev moves and up to which seq: a
// ChatRead moves its user's; a MessagePosted moves its sender's (you have
// read what you sent). Other events move none.
func ReadMove(ev events.Event) (user string, seq uint64, ok bool) {
	switch e := ev.(type) {
	case events.ChatRead:
		return e.User, e.LastReadSeq, true
	case events.MessagePosted:
		return e.Sender, e.Seq, true
	}
	return "", 0, false
}
