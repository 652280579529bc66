package chat

import (
	"slices"

	"github.com/linkup-chat/linkup/events"
)

// addMembers: any member adds users; those already in are skipped, and a
// command adding nobody new stores nothing and answers with the members
// as they are (so a retry changes nothing twice). The chat stays within
// MaxMembers.
func (d *decider) addMembers(i int, c AddMembers) Reply {
	if err := d.v.checkMember(c.By); err != nil {
		return Reply{Err: err}
	}
	if len(c.Users) == 0 {
		return Reply{Err: errorf(CodeInvalidPayload, "members must name at least one user")}
	}
	cur := d.v.members()
	var added []string
	for _, u := range c.Users {
		if err := validateUser("members", u); err != nil {
			return Reply{Err: err}
		}
		if !slices.Contains(cur, u) && !slices.Contains(added, u) {
			added = append(added, u)
		}
	}
	if len(added) == 0 {
		return Reply{Members: cur}
	}
	if len(cur)+len(added) > MaxMembers {
		return Reply{Err: errorf(CodeInvalidPayload, "members: at most %d per chat", MaxMembers)}
	}
	after := append(slices.Clone(cur), added...)
	d.emit(i, events.MembersAdded{ChatID: d.v.s.ChatID, Seq: d.v.latest + 1, Users: added, Members: after, By: c.By, At: d.now})
	return Reply{Members: after}
}

// removeMember: the creator removes anyone, anyone removes themself.
// Removing someone who is not a member stores nothing and answers with
// the members (a retry changes nothing twice).
func (d *decider) removeMember(i int, c RemoveMember) Reply {
	if err := d.v.checkMember(c.By); err != nil {
		return Reply{Err: err}
	}
	if err := validateUser("user", c.User); err != nil {
		return Reply{Err: err}
	}
	if c.User != c.By && c.By != d.v.creator() {
		return Reply{Err: ErrNotCreator}
	}
	cur := d.v.members()
	if !slices.Contains(cur, c.User) {
		return Reply{Members: cur}
	}
	after := slices.DeleteFunc(slices.Clone(cur), func(m string) bool { return m == c.User })
	d.emit(i, events.MemberRemoved{ChatID: d.v.s.ChatID, Seq: d.v.latest + 1, User: c.User, Members: after, By: c.By, At: d.now})
	return Reply{Members: after}
}

// edit: only the sender edits a message that is not deleted; an edit to
// the body the message already has stores nothing and answers with the
// edit that gave it that body.
func (d *decider) edit(i int, c Edit) Reply {
	if err := d.v.checkMember(c.By); err != nil {
		return Reply{Err: err}
	}
	if err := validateEdit(c.Seq, c.Body); err != nil {
		return Reply{Err: err}
	}
	sender, ok := d.v.message(c.Seq)
	switch {
	case !ok:
		return Reply{Err: ErrNotAMessage}
	case sender != c.By:
		return Reply{Err: ErrNotSender}
	}
	if _, gone := d.v.deletion(c.Seq); gone {
		return Reply{Err: ErrDeleted}
	}
	if b, ok := d.v.lastBody(c.Seq); ok && b == c.Body {
		if e, stored := d.v.s.items.edits[c.Seq]; stored && e.body == c.Body {
			return Reply{Seq: e.seq}
		}
	}
	seq := d.v.latest + 1
	d.emit(i, events.MessageEdited{ChatID: d.v.s.ChatID, Seq: seq, TargetSeq: c.Seq, Body: c.Body, By: c.By, At: d.now})
	return Reply{Seq: seq}
}

// delete: the sender or the creator deletes a message; deleting it again
// stores nothing and answers with the first deletion's seq.
func (d *decider) delete(i int, c Delete) Reply {
	if err := d.v.checkMember(c.By); err != nil {
		return Reply{Err: err}
	}
	if c.Seq == 0 {
		return Reply{Err: errorf(CodeInvalidPayload, "seq must be a positive integer")}
	}
	sender, ok := d.v.message(c.Seq)
	switch {
	case !ok:
		return Reply{Err: ErrNotAMessage}
	case sender != c.By && c.By != d.v.creator():
		return Reply{Err: ErrNotSenderOrCreator}
	}
	if seq, gone := d.v.deletion(c.Seq); gone {
		return Reply{Seq: seq}
	}
	seq := d.v.latest + 1
	d.emit(i, events.MessageDeleted{ChatID: d.v.s.ChatID, Seq: seq, TargetSeq: c.Seq, By: c.By, At: d.now})
	return Reply{Seq: seq}
}

func validateUser(field, u string) *Error {
	if u == "" || len(u) > MaxIDBytes {
		return errorf(CodeInvalidPayload, "%s: each user id must be 1 to %d bytes", field, MaxIDBytes)
	}
	return nil
}

func validateEdit(seq uint64, body string) *Error {
	switch {
	case seq == 0:
		return errorf(CodeInvalidPayload, "seq must be a positive integer")
	case body == "":
		return errorf(CodeInvalidPayload, "body must not be empty")
	case len(body) > MaxBodyBytes:
		return errorf(CodeInvalidPayload, "body is longer than %d bytes", MaxBodyBytes)
	}
	return nil
}

// deliverTo: a member's delivered pointer moves toward the target, clamped
// to the latest seq and never back; one that would not move stores
// nothing.
func (d *decider) deliverTo(i int, c Deliver) Reply {
	if err := d.v.checkMember(c.User); err != nil {
		return Reply{Err: err}
	}
	cur := d.v.deliveredPointer(c.User)
	if next := RaiseRead(cur, clampRead(c.Seq, d.v.latest)); next != cur {
		d.emit(i, events.MessagesDelivered{ChatID: d.v.s.ChatID, User: c.User, ConnectionID: c.Conn, Node: c.Node, DeliveredSeq: next, At: d.now})
	}
	return Reply{Delivered: d.v.deliveredPointer(c.User)}
}

// DeliveredAck is what a delivery receipt for seq by user answers at once,
// before the coalesced Deliver is decided: the user's delivered pointer as
// it will be (pending: the highest receipt not yet decided), or the
// refusal.
func (s *State) DeliveredAck(user string, seq, pending uint64) (uint64, *Error) {
	if err := s.CheckReadable(user); err != nil {
		return 0, err
	}
	return RaiseRead(RaiseRead(s.Delivered[user], pending), clampRead(seq, s.LatestSeq)), nil
}
