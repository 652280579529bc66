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
