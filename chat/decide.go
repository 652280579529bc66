package chat

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/linkup-chat/linkup/events"
)

// Decide decides a batch of commands against s, in order, as if each were
// decided after the events of those before it were applied: a Post gets
// the next seq after the batch's earlier posts (seqs stay gap-free because
// a batch is decided only against durable state, and a failed batch is
// decided again), a Read sees the batch's earlier reads and posts. now is
// the time stamped on every event. Decide does not change s, reads no
// clock and does no I/O; deciding the same batch against the same state
// gives the same Ready.
func Decide(s *State, now time.Time, cmds []Command) Ready {
	if len(cmds) == 1 {
		return decideSingle(s, now, cmds[0])
	}
	d := decider{v: newView(s), now: now.UTC()}
	// One event and one delivery per command is the common batch (posts):
	// room for them at once, instead of growing the slices as they come.
	d.rd.Replies = make([]Reply, 0, len(cmds))
	d.rd.Events = make([]Event, 0, len(cmds))
	d.rd.Deliveries = make([]Delivery, 0, len(cmds))
	for i, c := range cmds {
		d.step(i, c)
	}
	return d.rd
}

// singleCommand is what deciding a batch of one command needs, in one
// allocation: the view and room for its reply, event and delivery.
type singleCommand struct {
	v  view
	r  [1]Reply
	e  [1]Event
	dl [1]Delivery
}

// decideSingle is Decide of the most common batch, a single command (a chat
// posting at a few messages a second): one allocation where there were
// four. A command with more than one event or delivery grows the slices
// as usual. The view is cleared once decided, so the Ready holds on to
// nothing of it.
func decideSingle(s *State, now time.Time, c Command) Ready {
	a := &singleCommand{v: view{s: s, latest: s.LatestSeq}}
	d := decider{v: &a.v, now: now.UTC()}
	d.rd.Replies, d.rd.Events, d.rd.Deliveries = a.r[:0:1], a.e[:0:1], a.dl[:0:1]
	d.step(0, c)
	a.v = view{}
	return d.rd
}

type decider struct {
	v   *view
	now time.Time
	rd  Ready
}

func (d *decider) step(i int, c Command) {
	before := len(d.rd.Events)
	var r Reply
	switch c := c.(type) {
	case Create:
		r = d.create(i, c)
	case Post:
		r = d.post(i, c)
	case *Post: // a caller's post held in its own allocation, not boxed again
		r = d.post(i, *c)
	case Read:
		r = d.read(i, c)
	case Typing:
		if r.Err = d.typing(i, c); r.Err == nil {
			return
		}
	case AddMembers:
		r = d.addMembers(i, c)
	case RemoveMember:
		r = d.removeMember(i, c)
	case Edit:
		r = d.edit(i, c)
	case Delete:
		r = d.delete(i, c)
	case Deliver:
		r = d.deliverTo(i, c)
	}
	r.Cmd, r.Stored, r.Waits = i, len(d.rd.Events) > before, len(d.rd.Events) > 0
	d.rd.Replies = append(d.rd.Replies, r)
}

// emit adds ev, caused by command i, to the Ready with what it delivers,
// and folds it into the view.
func (d *decider) emit(i int, ev events.Event) {
	d.rd.Events = append(d.rd.Events, Event{Cmd: i, Event: ev})
	fold(d.v, ev)
	switch e := ev.(type) {
	case events.ChatCreated:
		d.deliver(Delivery{Cmd: i, Kind: DeliverJoined, Created: e})
	case events.ChatRead:
		d.deliver(Delivery{Cmd: i, Kind: DeliverRead, User: e.User, LastRead: d.v.pointer(e.User)})
	case events.MessagesDelivered:
		d.deliver(Delivery{Cmd: i, Kind: DeliverDelivered, User: e.User, LastRead: e.DeliveredSeq})
	}
	if it, ok := ItemOf(ev); ok {
		d.deliver(Delivery{Cmd: i, Kind: DeliverItem, Item: it})
	}
}

func (d *decider) deliver(dl Delivery) { d.rd.Deliveries = append(d.rd.Deliveries, dl) }

// create: the chat must not exist; the creator is always a member; members
// are de-duplicated and keep their order, creator first.
func (d *decider) create(i int, c Create) Reply {
	if d.v.exists() {
		return Reply{Err: ErrChatExists}
	}
	if err := ValidateChatID(d.v.s.ChatID); err != nil {
		return Reply{Err: err}
	}
	if len(c.Title) > MaxTitleBytes {
		return Reply{Err: errorf(CodeInvalidPayload, "title is longer than %d bytes", MaxTitleBytes)}
	}
	all, err := memberList(c.By, c.Members)
	if err != nil {
		return Reply{Err: err}
	}
	ev := events.ChatCreated{ChatID: d.v.s.ChatID, Title: c.Title, Members: all, CreatedBy: c.By, At: d.now}
	d.emit(i, ev)
	return Reply{Created: ev}
}

func memberList(by string, members []string) ([]string, *Error) {
	all := []string{by}
	for _, m := range members {
		if m == "" || len(m) > MaxIDBytes {
			return nil, errorf(CodeInvalidPayload, "members: each user id must be 1 to %d bytes", MaxIDBytes)
		}
		if !slices.Contains(all, m) {
			all = append(all, m)
		}
	}
	if len(all) > MaxMembers {
		return nil, errorf(CodeInvalidPayload, "members: at most %d per chat", MaxMembers)
	}
	return all, nil
}

// ValidateChatID returns nil for a well-formed chat id: 1 to MaxIDBytes
// bytes of UTF-8.
func ValidateChatID(id string) *Error {
	if id == "" || len(id) > MaxIDBytes || !utf8.ValidString(id) {
		return errorf(CodeInvalidPayload, "chat_id must be 1 to %d bytes of UTF-8", MaxIDBytes)
	}
	return nil
}

// post: a member's valid message gets the next seq, unless the sender
// already sent its client_msg_id (within the dedup window, or earlier in
// the batch): then the answer is the original, and nothing is stored.
func (d *decider) post(i int, c Post) Reply {
	if err := d.v.checkMember(c.Sender); err != nil {
		return Reply{Err: err}
	}
	if err := validateBody(c.Body, c.ClientMsgID); err != nil {
		return Reply{Err: err}
	}
	if seq, inBatch, ok := d.v.repeat(c.Sender, c.ClientMsgID); inBatch {
		return Reply{Posted: d.postedAt(seq)}
	} else if ok {
		return Reply{Original: seq}
	}
	ev := events.MessagePosted{ChatID: d.v.s.ChatID, Seq: d.v.latest + 1, MessageID: c.MessageID, Sender: c.Sender,
		Body: c.Body, ClientMsgID: c.ClientMsgID, SentAt: d.now}
	d.emit(i, ev)
	return Reply{Posted: ev}
}

// postedAt is the message the batch posts at seq.
func (d *decider) postedAt(seq uint64) events.MessagePosted {
	for _, e := range slices.Backward(d.rd.Events) {
		if m, ok := e.Event.(events.MessagePosted); ok && m.Seq == seq {
			return m
		}
	}
	return events.MessagePosted{}
}

func validateBody(body, clientMsgID string) *Error {
	switch {
	case clientMsgID == "" || len(clientMsgID) > MaxClientMsgID:
		return errorf(CodeInvalidPayload, "client_msg_id must be 1 to %d bytes", MaxClientMsgID)
	case body == "":
		return errorf(CodeInvalidPayload, "body must not be empty")
	case len(body) > MaxBodyBytes:
		return errorf(CodeInvalidPayload, "body is longer than %d bytes", MaxBodyBytes)
	}
	return nil
}

// read: a member's pointer moves toward the target, clamped to the latest
// seq and never back; a read that would not move it stores nothing and
// answers with the pointer as it is.
func (d *decider) read(i int, c Read) Reply {
	if err := d.v.checkMember(c.User); err != nil {
		return Reply{Err: err}
	}
	target := c.Seq
	if c.ToLatest {
		target = d.v.latest
	}
	cur := d.v.pointer(c.User)
	if next := RaiseRead(cur, clampRead(target, d.v.latest)); next != cur {
		d.emit(i, events.ChatRead{ChatID: d.v.s.ChatID, User: c.User, LastReadSeq: next, At: d.now})
	}
	return Reply{LastRead: d.v.pointer(c.User)}
}

// typing: only members' typing is shown.
func (d *decider) typing(i int, c Typing) *Error {
	if err := d.v.checkMember(c.User); err != nil {
		return err
	}
	d.deliver(Delivery{Cmd: i, Kind: DeliverTyping, User: c.User, IsTyping: c.IsTyping})
	return nil
}
