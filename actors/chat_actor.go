package actors

import (
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/google/uuid"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// maxChatPending bounds the commands a chat holds while an append is in
// flight or its state is loading; past it, requests get `rate_limited`.
const maxChatPending = 8192

// chatActor owns one chat: it decides commands against the chat's state,
// appends the resulting events through the writer with up to
// maxChatFlights appends in flight (commands arriving meanwhile are
// gathered into the next batch, decided behind the ones in flight,
// chat_flights.go), applies them once durable, then answers and fans out
// in seq order.
type chatActor struct {
	node    *Node
	id      string
	state   *ChatState
	loaded  bool
	stash   []any
	subs    map[string]subscriber
	reading map[string]int // connections whose welcome waits for a read: how many reads
	queue   []*op
	// The appends in flight, oldest first (chat_flights.go): at most
	// flightBound; the last batch's number; the state after all of them
	// (nil until a batch is decided behind them); whether one failed
	// (the chat waits for the answers of those behind it); whether a
	// speculative decision was dropped (the queue waits for no flight);
	// whether the bound was counted.
	flights     []*flight
	batch       uint64
	spec        *ChatState
	specWant    uint64 // the state's applied count once it holds spec's events
	specDone    specRun
	twin        twinState // a copy of state kept in step (chat_twin.go)
	broken      bool
	specBlocked bool
	atBound     bool
	recent      *messageRing
	marks       seqMarks // where the recent items stand in the log (chat_marks.go)
	pages       pageCache
	retired     bool
	lastMsg     time.Time   // when the chat last handled a message (idle check)
	idleTmr     *time.Timer // the pending idle check
	// delivs are the delivery receipts acknowledged and not yet decided,
	// by user (see chat_deliveries.go).
	delivs   map[string]pendingDelivery
	delivTmr *time.Timer
	// The shared log (chat_observe.go): events of the chat's stream seen
	// by the node's follower while an append or a catch-up was in flight
	// (at most maxObservedPending; overflow set when some were dropped),
	// and whether a catch-up read is in flight.
	observed []events.RecordedEvent
	overflow bool
	catching bool
	// loadedNext is the first revision the chat did not get from its load.
	loadedNext uint64
	// Fresh reads (chat_fresh.go): when the last read of the stream that
	// the chat applied began (its load or a catch-up's last page), when
	// the read in flight began, and the requests waiting for a read begun
	// after they were sent.
	readAt, readStart time.Time
	waitFresh         []freshWait
	// Appends of unknown outcome (chat_observe_unsure.go): the batches
	// being settled from the log, in order, and the events of batches
	// answered `unavailable` that may still land.
	unsure  []*flight
	unacked unackedIDs
	// lane posts large fan-outs off the chat's goroutine (fanout_lane.go).
	lane fanLane
}

type subscriber struct {
	pid  *actor.PID
	user string
	// inflight is the fan-out items sent to the connection and not yet
	// acknowledged (chat_backlog.go).
	inflight int
	// welcomed: the connection was sent chat_created (welcome).
	welcomed bool
	// floor is the first seq the subscription delivered (its catch-up's
	// first, or the latest seq + 1 when it began): a later welcome sends
	// nothing older, which would come after newer items.
	floor uint64
}

func newChatActor(n *Node, id string) *chatActor {
	return &chatActor{node: n, id: id, subs: map[string]subscriber{},
		recent: newMessageRing(recentMessages), lane: fanLane{waits: n.m.laneWaits}}
}

// Receive is the chat actor's one type switch.
func (c *chatActor) Receive(ctx actor.Context) {
	if forwarded(c.retired, ctx.Message(), func(m any) { c.node.sendChat(c.id, m) }) {
		return
	}
	switch ctx.Message().(type) {
	case chatIdleCheck, chatObserved: // other nodes' traffic keeps no chat in memory here
	default:
		c.lastMsg = time.Now()
	}
	switch m := ctx.Message().(type) {
	case *actor.Started:
		c.startLoad(ctx)
	case chatIdleCheck:
		c.retireIfIdle(ctx)
	case chatLoaded:
		c.onLoaded(ctx, m)
	case appendDone:
		c.onAppended(ctx, m)
	case chatPageLoaded:
		c.onPageLoaded(ctx, m)
	case pageEvict:
		c.pages.evict(m.Index)
	case chatDeliveryFlush:
		c.flushDeliveries(ctx)
	case deliverAck:
		c.acked(m)
	case chatObserved:
		c.onObserved(ctx, m)
	case chatCaughtUp:
		c.onCaughtUp(ctx, m)
	case chatCatchUpRetry:
		c.onCatchUpRetry(ctx)
	default:
		if !c.loaded {
			c.stashMsg(ctx, m)
			return
		}
		c.handle(ctx, m)
	}
}

func (c *chatActor) handle(ctx actor.Context, msg any) {
	switch m := msg.(type) {
	case chatCreate:
		c.onCreate(ctx, m)
	case chatPost:
		c.onPost(ctx, m, msg)
	case chatRead:
		c.onRead(ctx, m)
	case chatTyping:
		c.onTyping(ctx, m)
	case chatAddMembers, chatRemoveMember, chatEdit, chatDelete:
		c.onTimelineCommand(ctx, m)
	case chatDeliveryReceipt:
		c.onDeliveryReceipt(ctx, m)
	case chatSubscribe:
		c.onSubscribe(ctx, m)
	case chatUnsubscribe:
		c.unsubscribe(m.Conn)
	case chatSummaryReq:
		c.onSummary(ctx, m)
	case chatHistoryReq:
		c.onHistory(ctx, m)
	case chatSyncReq:
		c.onSync(ctx, m)
	case chatMemberReq:
		c.onMemberReq(ctx, m)
	case chatWelcome:
		c.welcomeOnline(m.Users, m.From)
	case chatDirApplied:
		c.onDirApplied(m)
	case chatWelcomeRead:
		c.onWelcomeRead(ctx, m)
	case panicked:
		c.onPanicked(ctx, m)
	}
}

func (c *chatActor) startLoad(ctx actor.Context) {
	c.readStart = time.Now()
	self, n, id := ctx.Self(), c.node, c.id
	ok := n.loads.run(func() {
		st, marks, err := loadChat(n.ctx, n.store, id)
		n.system.Root.Send(self, chatLoaded{State: st, Marks: marks, Err: err})
	})
	if !ok {
		ctx.Send(self, chatLoaded{Err: errLoadsFull})
	}
}

func (c *chatActor) onLoaded(ctx actor.Context, m chatLoaded) {
	if m.Err != nil {
		c.node.log.Warn("chat load failed", "chat", c.id, "err", m.Err)
		c.failStash(ctx, ErrStoreUnavailable)
		c.retired = c.node.retireChat(c.id, ctx.Self(), ctx)
		return
	}
	c.state, c.loaded, c.marks = m.State, true, m.Marks
	c.dropTwin()
	c.loadedNext = c.nextRevision()
	c.readAt = c.readStart
	c.recent.reset()
	stash := c.stash
	c.stash = nil
	for _, msg := range stash {
		c.handle(ctx, msg)
	}
	c.flush(ctx)
	c.retireIfEmpty(ctx)
	c.startIdleTimer(ctx)
}

// chatIdleCheck is sent to a chat by its idle timer.
type chatIdleCheck struct{}

// startIdleTimer starts the idle checks of a chat that exists (chats that
// do not are stopped at once by retireIfEmpty), once.
func (c *chatActor) startIdleTimer(ctx actor.Context) {
	if c.state.Created && !c.retired && c.idleTmr == nil {
		c.armIdle(ctx, c.node.cfg.ChatIdleAfter)
	}
}

// armIdle sends the chat a chatIdleCheck after d. (Proto.Actor's own
// receive timeout is not used: its timer races with message handling,
// which the race detector reports.)
func (c *chatActor) armIdle(ctx actor.Context, d time.Duration) {
	self, sys := ctx.Self(), c.node.system
	c.idleTmr = time.AfterFunc(d, func() { sys.Root.Send(self, chatIdleCheck{}) })
}

// retireIfIdle stops a chat that no connection is subscribed to and that
// has nothing in flight (appends, loads, page reads) after ChatIdleAfter
// without a message; messages already queued to it are forwarded to the
// chat's next actor, which loads the chat again from the log. Otherwise it
// checks again when ChatIdleAfter has passed since the last message.
func (c *chatActor) retireIfIdle(ctx actor.Context) {
	idle := c.node.cfg.ChatIdleAfter
	if wait := idle - time.Since(c.lastMsg); wait > 0 {
		c.armIdle(ctx, wait)
		return
	}
	c.dropTwin() // idle: no second copy of its state
	if len(c.subs) == 0 && len(c.queue) == 0 && len(c.flights) == 0 && len(c.stash) == 0 && len(c.pages.loading) == 0 && len(c.delivs) == 0 && c.loaded && !c.catching && len(c.waitFresh) == 0 {
		c.node.m.chatsIdled.Inc()
		c.retired = c.node.retireChat(c.id, ctx.Self(), ctx)
		return
	}
	c.armIdle(ctx, idle)
}

// retireIfEmpty stops a chat that does not exist and has nothing pending,
// so that requests for unknown chat ids cost no memory.
func (c *chatActor) retireIfEmpty(ctx actor.Context) {
	if !c.state.Created && len(c.queue) == 0 && len(c.flights) == 0 && len(c.waitFresh) == 0 && len(c.unsure) == 0 {
		c.retired = c.node.retireChat(c.id, ctx.Self(), ctx)
	}
}

func (c *chatActor) stashMsg(ctx actor.Context, msg any) {
	if len(c.stash) >= maxChatPending {
		c.refuse(ctx, msg, ErrOverloaded)
		return
	}
	c.stash = append(c.stash, msg)
}

func (c *chatActor) failStash(ctx actor.Context, err *protocol.Error) {
	for _, msg := range c.stash {
		c.refuse(ctx, msg, err)
	}
	c.stash = nil
}

// refuse answers a request with err, whatever its kind.
func (c *chatActor) refuse(ctx actor.Context, msg any, err *protocol.Error) {
	switch m := msg.(type) {
	case chatCreate:
		c.replyErr(ctx, m.origin, "create_chat", err)
	case chatPost:
		c.replyErr(ctx, m.origin, "send_message", err)
	case chatRead:
		c.answerRead(ctx, m, 0, err)
	case chatTyping:
		c.replyErr(ctx, m.origin, "typing", err)
	case chatAddMembers:
		c.replyErr(ctx, m.origin, "add_members", err)
	case chatRemoveMember:
		c.replyErr(ctx, m.origin, removeCommand(m), err)
	case chatEdit:
		c.replyErr(ctx, m.origin, "edit_message", err)
	case chatDelete:
		c.replyErr(ctx, m.origin, "delete_message", err)
	case chatDeliveryReceipt:
		c.replyErr(ctx, m.origin, "delivery_receipt", err)
	case chatSummaryReq:
		ctx.Send(m.Conn, summaryPart{Agg: m.Agg, Summary: protocol.ChatSummary{ChatID: c.id}, Err: err})
	case chatHistoryReq:
		c.replyErr(ctx, m.origin, "get_history", err)
	case chatSyncReq:
		ctx.Send(m.Conn, syncPart{Agg: m.Agg, ChatID: c.id, Err: err})
	case chatMemberReq:
		ctx.Send(m.Conn, memberPart{Probe: m.Probe, ChatID: c.id, Err: err})
	}
}

func (c *chatActor) replyErr(ctx actor.Context, o origin, command string, err *protocol.Error) {
	ctx.Send(o.Conn, replyError{Ref: o.Ref, Command: command, ChatID: c.id, Err: err})
}

func (c *chatActor) onSubscribe(ctx actor.Context, m chatSubscribe) {
	if !c.state.IsMember(m.User) {
		return
	}
	if m.Attach {
		m = c.attachCatchUp(m)
	}
	if m.Welcome == nil && !m.Attach {
		c.subscribe(m.Conn, m.User)
		return
	}
	lo, hi := max(m.From, 1), c.state.LatestSeq
	if held, ok := c.recent.span(lo, hi); ok || lo > hi {
		c.welcome(ctx, m, held, c.subscribe(m.Conn, m.User))
		return
	}
	if c.reading == nil {
		c.reading = map[string]int{}
	}
	c.reading[m.Conn.Id]++
	// The ring does not reach back to lo: the chat was loaded after the
	// user joined (on another node, or after a restart), or the ring
	// wrapped. The items are read first (ring, page cache or store,
	// answered to this chat), and the connection is subscribed with them,
	// so no live item overtakes them.
	c.messages(ctx, origin{Conn: ctx.Self(), User: m.User}, lo, hi, func(items []chat.Item, err *protocol.Error) any {
		return chatWelcomeRead{Sub: m, Items: items, Hi: hi, Err: err}
	})
}

// onWelcomeRead subscribes a welcomed connection once its catch-up items
// are read, adding those stored since the read began (the ring has them:
// they came after the load).
func (c *chatActor) onWelcomeRead(ctx actor.Context, m chatWelcomeRead) {
	id := m.Sub.Conn.Id
	n, reading := c.reading[id]
	if n <= 1 {
		delete(c.reading, id)
	} else {
		c.reading[id] = n - 1
	}
	if !reading || !c.state.IsMember(m.Sub.User) { // the connection left meanwhile
		return
	}
	items := m.Items
	if m.Err != nil {
		c.node.log.Warn("welcome: catch-up read failed", "chat", c.id, "err", m.Err)
		items = nil
	}
	if more, ok := c.recent.span(m.Hi+1, c.state.LatestSeq); ok && m.Hi < c.state.LatestSeq {
		items = append(slices.Clip(items), more...)
	}
	c.welcome(ctx, m.Sub, items, c.subscribe(m.Sub.Conn, m.Sub.User))
}

// welcome sends a newly subscribed connection the chat's chat_created
// frame and held, the items since the user joined (catch-up items: the
// connection drops those it already has). A connection gets chat_created
// once per subscription, however many welcomes reach the chat (its
// attach and its user's join may both). An attaching connection
// (attachCatchUp) gets chat_created when held has the item that added its
// user, and then nothing older. A connection subscribed already (existed)
// gets nothing older than its subscription's floor.
func (c *chatActor) welcome(ctx actor.Context, m chatSubscribe, held []chat.Item, existed bool) {
	frame := m.Welcome
	if m.Attach && frame == nil {
		if i := joinedAt(held, m.User); i >= 0 {
			frame, held = c.createdFrame(), held[i:]
		}
	}
	s := c.subs[m.Conn.Id]
	switch {
	case existed:
		held = slices.DeleteFunc(slices.Clone(held), func(it chat.Item) bool { return it.Seq < s.floor })
	case len(held) > 0:
		s.floor = held[0].Seq
	}
	var items []deliverItem
	if frame != nil && !s.welcomed {
		items, s.welcomed = append(items, deliverItem{Frame: frame}), true
	}
	ov := c.state.Overlay(c.state.LatestSeq)
	for _, it := range held {
		n := len(items)
		if items = c.appendItem(items, timelineFrame(ov.Show(it)), it.Seq, nil); len(items) > n {
			items[n].CatchUp, items[n].Sent = true, sentBy(it, m.User)
		}
	}
	if len(items) == 0 {
		c.subs[m.Conn.Id] = s
		return
	}
	c.deliverTo(ctx, m.Conn.Id, s, deliver{ChatID: c.id, Items: items})
}

// sentBy names the command of user that stored it, or none when user did
// not (deliverItem.Sent).
func sentBy(it chat.Item, user string) sentCmd {
	switch e := it.Event.(type) {
	case events.MessageEdited:
		if e.By == user {
			return sentCmd{Command: "edit_message", Target: e.TargetSeq}
		}
	case events.MessageDeleted:
		if e.By == user {
			return sentCmd{Command: "delete_message", Target: e.TargetSeq}
		}
	case nil:
		if it.Kind == chat.KindMessage && it.Message.Sender == user {
			return sentCmd{Command: "send_message", ClientMsgID: it.Message.ClientMsgID}
		}
	}
	return sentCmd{}
}

// attachCatchUp says what a connection that just attached is sent as it
// subscribes (m.Since: the log position its node's follower had read when
// it was accepted): the items stored after that, from the chat's marks,
// with chat_created first if the chat was created after it (if the user
// was added after it, welcome finds the members_changed among the items).
// At most maxSeqMarks items; a chat with nothing stored since subscribes
// the connection at once.
func (c *chatActor) attachCatchUp(m chatSubscribe) chatSubscribe {
	lo, created, short := c.marks.since(m.Since)
	if latest := c.state.LatestSeq; latest >= maxSeqMarks && lo <= latest-maxSeqMarks {
		lo, short = latest-maxSeqMarks+1, true
	}
	if short {
		c.node.fm.attachShort.Inc()
	}
	if created {
		m.Welcome = c.createdFrame()
	}
	m.From, m.Attach = lo, created || lo <= c.state.LatestSeq
	return m
}

// joinedAt returns the index of the last item of held that added user
// (-1: none).
func joinedAt(held []chat.Item, user string) int {
	for i := len(held) - 1; i >= 0; i-- {
		if held[i].Kind == chat.KindMembersChanged && slices.Contains(held[i].Added(), user) {
			return i
		}
	}
	return -1
}

// createdFrame is the chat's chat_created frame as it stands (nil if it
// cannot be encoded).
func (c *chatActor) createdFrame() []byte {
	s := c.state
	frame, err := c.node.enc.Encode(protocol.ChatCreatedFrame{ChatID: c.id, Title: s.Title, Members: orEmpty(s.Members), CreatedBy: s.CreatedBy})
	if err != nil {
		c.node.log.Error("encode frame", "type", "chat_created", "err", err)
		return nil
	}
	return frame
}

func (c *chatActor) onSummary(ctx actor.Context, m chatSummaryReq) {
	if err := CheckReadable(c.state, m.User); err != nil {
		c.refuse(ctx, m, protocol.AsError(err))
		return
	}
	s := c.state
	ctx.Send(m.Conn, summaryPart{Agg: m.Agg, Summary: protocol.ChatSummary{ChatID: c.id, Title: s.Title, Members: s.Members,
		LatestSeq: s.LatestSeq, LastReadSeq: s.Read[m.User], Unread: s.Unread(m.User)}})
}

func newMessageID() string { return uuid.NewString() }

// The ids of messages and events (two per chat message) take their
// random bytes from uuid's pool, refilled from crypto/rand 256 bytes at a
// time, instead of a read of crypto/rand each and a UUID allocated for
// it. Set once here, before any id is made (the pool is not safe to turn
// on while ids are being made).
func init() { uuid.EnableRandPool() }

// newEventID returns a time-ordered UUID (v7), which keeps the stores'
// id indexes appending at their right edge.
func newEventID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

func now() time.Time { return time.Now().UTC() }
