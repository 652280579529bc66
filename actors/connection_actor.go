package actors

import (
	"fmt"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/google/uuid"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// connActor owns one WebSocket connection: it turns client commands into
// requests to chat actors, answers what it can itself, writes replies and
// fan-out frames to its Socket, and records the connection's lifecycle and
// every error it answers as events.
//
// It is 96 bytes (issue #17): its id is in its actor's name (see id), and
// what only a connection that sends commands or is sent frames needs is
// made when it first does (reqs, recv), its counts of frames in and out
// too.
type connActor struct {
	node   *Node
	info   connIDs
	sock   Socket
	opened int64 // unix ns: a time.Time is 16 bytes more
	// expirySlot is the connection's place in the node's expiry schedule
	// (expiry.go), guarded by the schedule's lock; slot is its place in
	// the node's list of connections (connTable), set before it is
	// spawned.
	expirySlot, slot int32
	closed           bool
	hold             holdMode // see below
	// renamed: the connection id could not name the actor (connTable's
	// named); it is in reqs.id. Set before the actor is spawned.
	renamed bool
	// reqs holds the connection's multi-chat requests (list_chats, sync,
	// bulk reads), its rate limiter and its error window; made on the
	// first command (or error): nil on an idle connection.
	reqs *connReqs
	self *actor.PID
	// recv is what the connection keeps of the frames it was sent; made
	// on the first.
	recv *connRecv
	// hold, held and reqs.holdAgg hold live items back on a new
	// connection until its first frame (see holdMode); held is nil once
	// the hold ends.
	held *connHold
}

// connRecv is what a connection keeps of the frames it was sent: how
// many, and of the chats' items which it has, and which it has not yet
// acknowledged.
type connRecv struct {
	out uint64
	// seen holds, per chat, the seqs this connection has received, so
	// that none is ever sent to it twice.
	seen map[string]*seqSet
	// acks counts the fan-out items handled and not yet acknowledged to
	// the chat (or user actor) that sent them (chat_backlog.go).
	acks acker
}

// received returns recv, made on first use.
func (c *connActor) received() *connRecv {
	if c.recv == nil {
		c.recv = &connRecv{}
	}
	return c.recv
}

// framesIn and framesOut count the frames the connection read and sent.
func (c *connActor) framesIn() uint64 {
	if c.reqs == nil {
		return 0
	}
	return c.reqs.in
}

func (c *connActor) framesOut() uint64 {
	if c.recv == nil {
		return 0
	}
	return c.recv.out
}

// id is the connection id: its actor's name less the stream prefix,
// unless renamed.
func (c *connActor) id() string {
	if c.renamed {
		return c.reqs.id
	}
	return connIDOf(c.self.Id)
}

// stream is the connection's event stream: its actor's name, unless
// renamed (so the store's cache of stream heads keeps no string of its
// own).
func (c *connActor) stream() string {
	if c.renamed {
		return events.ConnectionStream(c.reqs.id)
	}
	return c.self.Id
}

// connOpening is what a connection actor needs only to start.
type connOpening struct {
	ConnInfo
	since uint64 // the log position the node's follower had read (chat_marks.go)
}

// connReqs are a connection's requests that wait for several chats:
// aggregates and sync probes by id, the last id given, and the id of the
// first frame's sync while it holds live items (0: none yet); and what
// else only a connection that sends commands needs: its rate limiter and
// error window (and its id when renamed).
type connReqs struct {
	id      string       // the connection id of a renamed actor
	in      uint64       // frames read
	limiter *rateLimiter // made on the first command
	// errWin bounds the error events the connection records; made on the
	// first error.
	errWin *errorWindow
	// syncing holds the live items of the chats whose sync is pending;
	// behind marks the chats the client must sync again.
	syncing map[string]*syncBuf
	behind  map[string]bool
	// routes are the commands sent to their chat's owner, in a cluster
	// (router_conn.go).
	routes  routes
	aggs    map[uint64]*aggregate
	probes  map[uint64]*syncProbe // syncs asking chats the directory does not list (connection_sync_probe.go)
	nextAgg uint64
	holdAgg uint64
}

// requests returns the connection's requests, made on first use.
func (c *connActor) requests() *connReqs {
	if c.reqs == nil {
		c.reqs = &connReqs{}
	}
	return c.reqs
}

// syncBuf is chatID's buffer while its sync is pending, else nil.
func (c *connActor) syncBuf(chatID string) *syncBuf {
	if c.reqs == nil {
		return nil
	}
	return c.reqs.syncing[chatID]
}

// isBehind reports whether the client must sync chatID again.
func (c *connActor) isBehind(chatID string) bool {
	return c.reqs != nil && c.reqs.behind[chatID]
}

// holdAgg is the id of the first frame's sync (see connReqs).
func (c *connActor) holdAgg() uint64 {
	if c.reqs == nil {
		return 0
	}
	return c.reqs.holdAgg
}

// agg returns aggregate id, if it runs.
func (c *connActor) agg(id uint64) (*aggregate, bool) {
	if c.reqs == nil {
		return nil, false
	}
	a, ok := c.reqs.aggs[id]
	return a, ok
}

// probe returns sync probe id, if it runs.
func (c *connActor) probe(id uint64) (*syncProbe, bool) {
	if c.reqs == nil {
		return nil, false
	}
	p, ok := c.reqs.probes[id]
	return p, ok
}

// nextReq gives the next aggregate or probe id.
func (c *connActor) nextReq() uint64 {
	r := c.requests()
	r.nextAgg++
	return r.nextAgg
}

// addAgg registers aggregate a as id.
func (c *connActor) addAgg(id uint64, a *aggregate) {
	r := c.requests()
	if r.aggs == nil {
		r.aggs = map[uint64]*aggregate{}
	}
	r.aggs[id] = a
}

// addProbe registers sync probe p as id.
func (c *connActor) addProbe(id uint64, p *syncProbe) {
	r := c.requests()
	if r.probes == nil {
		r.probes = map[uint64]*syncProbe{}
	}
	r.probes[id] = p
}

// reqDone forgets a finished aggregate or probe. The requests stay (ids
// are never given twice: a late answer to a finished request must not
// reach a new one).
func (c *connActor) reqDone(id uint64) {
	delete(c.reqs.aggs, id)
	delete(c.reqs.probes, id)
}

// connIDs is what a connection actor keeps of its ConnInfo once started
// (its id is its actor's name).
type connIDs struct{ UserID string }

func newConnActor(n *Node, info ConnInfo, sock Socket) *connActor {
	// The maps are made when first written: most connections sit idle.
	return &connActor{node: n, info: connIDs{UserID: info.UserID},
		held: &connHold{opening: &connOpening{ConnInfo: info, since: n.logSeen.Load()}}, sock: sock, opened: now().UnixNano()}
}

// Receive is the connection actor's one type switch.
func (c *connActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		c.start(ctx)
	case protocol.Command:
		c.command(ctx, m)
	case replyFrame:
		c.send(ctx, m.Frame)
	case ackPosted:
		c.ackedPost(ctx, m.Ack)
	case replyError:
		c.fail(ctx, m.Ref, m.Command, m.ChatID, m.Err)
	case routedReply:
		c.onRouted(ctx, m)
	case deliver:
		c.deliver(ctx, m)
	case presenceOut:
		c.sendPresence(ctx, m)
	case deliverOverflow:
		c.overflowed(ctx)
	case summaryPart, syncPart, bulkPart, aggTimeout:
		c.aggregatePart(ctx, m)
	case memberPart:
		c.probed(ctx, m)
	case probeTimeout:
		c.endProbe(ctx, m.Probe)
	case shutdownConn:
		c.forceReconnect(ctx, "", m.Reason, m.Retry)
	case tokenExpired:
		c.closeWith(ctx, nil, ClosePolicy, "token expired")
	case syncWaitOver:
		if c.hold == holdFirst {
			c.releaseHeld(ctx)
		}
	case errorsSummary:
		c.recordSuppressed()
	case socketClosed:
		c.finish(ctx, m.Reason)
	case panicked:
		c.fail(ctx, refOf(m.Message), typeOf(m.Message), "", protocol.Errorf(protocol.CodeInternal, "internal error while handling %s; the connection is still open", typeOf(m.Message)))
	}
}

func (c *connActor) start(ctx actor.Context) {
	c.self = ctx.Self()
	opening := c.held.opening
	c.node.m.connections.Inc()
	c.record(events.ConnectionOpened{ConnectionID: c.id(), UserID: c.info.UserID, Node: c.node.name,
		RemoteAddr: opening.RemoteAddr, UserAgent: opening.UserAgent, Protocol: protocol.Protocol, At: c.openedAt()}, "")
	expires, since := opening.ExpiresAt, opening.since
	c.held.opening = nil // recorded: an idle connection keeps only its ids
	c.armSyncWait(ctx)   // before any chat can deliver to it
	c.node.sendUser(c.info.UserID, userAttach{Conn: ctx.Self(), Since: since})
	if !expires.IsZero() {
		c.node.expiries.add(c, expires)
	}
}

// openedAt is when the connection opened.
func (c *connActor) openedAt() time.Time { return time.Unix(0, c.opened).UTC() }

// origin builds the origin of a request caused by the current command.
func (c *connActor) origin(ctx actor.Context, ref string) origin {
	return origin{Conn: ctx.Self(), User: c.info.UserID, Ref: ref, Corr: c.corr()}
}

// corr is the correlation id of the command being handled: connection id
// and the command's ordinal, unique and cheap.
func (c *connActor) corr() string {
	return c.id() + ":" + strconv.FormatUint(c.framesIn(), 10)
}

func (c *connActor) command(ctx actor.Context, cmd protocol.Command) {
	r := c.requests()
	r.in++
	c.node.m.framesIn.Inc()
	if r.limiter == nil {
		r.limiter = newRateLimiter(&c.node.cfg.Limits)
	}
	if err := r.limiter.allow(cmd, time.Now()); err != nil {
		if err == errChatRate {
			c.node.m.limitRefusals.WithLabelValues("chat_create_rate").Inc()
		}
		if c.hold == holdFirst {
			c.releaseHeld(ctx)
		}
		c.fail(ctx, cmd.CommandRef(), cmd.CommandType(), chatOf(cmd), err)
		return
	}
	c.firstFrame(ctx, cmd)
	c.dispatch(ctx, cmd)
}

func (c *connActor) dispatch(ctx actor.Context, cmd protocol.Command) {
	switch m := cmd.(type) {
	case protocol.Ping:
		c.send(ctx, protocol.Pong{Ref: m.Ref})
	case protocol.CreateChat:
		c.createChat(ctx, m)
	case protocol.SendMessage:
		c.toChat(ctx, m.Ref, m.CommandType(), m.ChatID, chatPost{origin: c.origin(ctx, m.Ref), ClientMsgID: m.ClientMsgID, Body: m.Body})
	case protocol.Typing:
		c.toChat(ctx, m.Ref, m.CommandType(), m.ChatID, chatTyping{origin: c.origin(ctx, m.Ref), IsTyping: m.IsTyping})
	case protocol.ReadReceipt:
		c.toChat(ctx, m.Ref, m.CommandType(), m.ChatID, chatRead{origin: c.origin(ctx, m.Ref), Seq: m.Seq})
	case protocol.MarkChatRead:
		c.toChat(ctx, m.Ref, m.CommandType(), m.ChatID, chatRead{origin: c.origin(ctx, m.Ref), ToLatest: true})
	case protocol.BulkReadReceipt:
		c.bulkRead(ctx, m)
	case protocol.GetConnectionStatus:
		c.send(ctx, c.status(m.Ref))
	case protocol.ListChats:
		c.listChats(ctx, m)
	case protocol.GetHistory:
		c.history(ctx, m)
	case protocol.SyncRequest:
		c.sync(ctx, m)
	case protocol.ForceReconnectRequest:
		c.forceReconnect(ctx, m.Ref, protocol.ReasonClientRequest, 0)
	case protocol.BadFrame:
		c.fail(ctx, m.Ref, m.FrameType, "", m.Err)
	case chatCommand:
		c.timelineCommand(ctx, m)
	case protocol.GetPresence:
		c.getPresence(ctx, m)
	}
}

func (c *connActor) createChat(ctx actor.Context, m protocol.CreateChat) {
	if err := c.checkChatsPerUser(m.Members); err != nil {
		c.fail(ctx, m.Ref, m.CommandType(), m.ChatID, err)
		return
	}
	id := m.ChatID
	if id == "" {
		id = uuid.NewString()
	}
	c.toChat(ctx, m.Ref, m.CommandType(), id, chatCreate{origin: c.origin(ctx, m.Ref), Title: m.Title, Members: m.Members})
}

// checkChatsPerUser refuses a chat that would put its creator or a member
// past Limits.ChatsPerUser (a stranger's list of chats cannot be grown
// without bound by others).
func (c *connActor) checkChatsPerUser(members []string) *protocol.Error {
	limit := c.node.cfg.Limits.ChatsPerUser
	u, full := c.node.dir.Full(append([]string{c.info.UserID}, members...), limit)
	if !full {
		return nil
	}
	c.node.m.limitRefusals.WithLabelValues("chats_per_user").Inc()
	if u == c.info.UserID {
		return protocol.Errorf(protocol.CodeInvalidPayload, "you are in %d chats, the most one user may be in", limit)
	}
	return protocol.Errorf(protocol.CodeInvalidPayload, "member %q is in %d chats, the most one user may be in", u, limit)
}

// toChat sends a request to a chat actor after checking the chat id.
func (c *connActor) toChat(ctx actor.Context, ref, command, chatID string, msg any) {
	if err := validateChatID(chatID); err != nil {
		c.fail(ctx, ref, command, chatID, protocol.AsError(err))
		return
	}
	c.chatSend(ctx, chatID, msg)
}

func (c *connActor) history(ctx actor.Context, m protocol.GetHistory) {
	limit := m.Limit
	if limit <= 0 {
		limit = protocol.DefaultHistoryLimit
	}
	limit = min(limit, protocol.MaxHistoryLimit)
	c.toChat(ctx, m.Ref, m.CommandType(), m.ChatID, chatHistoryReq{origin: c.origin(ctx, m.Ref), Before: m.BeforeSeq, Limit: limit})
}

func (c *connActor) status(ref string) protocol.ConnectionStatusFrame {
	chats := c.node.dir.ChatsOf(c.info.UserID)
	if chats == nil {
		chats = []string{}
	}
	return protocol.ConnectionStatusFrame{Ref: ref, ConnectionID: c.id(), UserID: c.info.UserID, Node: c.node.name,
		ConnectedAt: c.openedAt(), ServerTime: now(), Protocol: protocol.Protocol, Chats: chats, MessagesIn: c.framesIn(), MessagesOut: c.framesOut()}
}

// send encodes and queues a frame; a full queue makes this a slow consumer.
func (c *connActor) send(ctx actor.Context, f protocol.Frame) {
	b, err := c.node.enc.Encode(f)
	if err != nil {
		c.node.log.Error("encode frame", "type", f.FrameType(), "err", err)
		return
	}
	c.sendRaw(ctx, b)
}

// sendRaw writes one frame with Socket.Send: a one-frame list made here
// escapes through the interface (an allocation per ack), one made by the
// socket need not.
func (c *connActor) sendRaw(ctx actor.Context, b []byte) {
	if c.closed {
		return
	}
	c.queued(ctx, 1, c.sock.Send(b))
}

// sendFrames writes frames in one go; a full queue makes the client a slow
// consumer.
func (c *connActor) sendFrames(ctx actor.Context, frames [][]byte) {
	if c.closed || len(frames) == 0 {
		return
	}
	c.queued(ctx, len(frames), c.sock.SendMany(frames))
}

func (c *connActor) forceReconnect(ctx actor.Context, ref, reason string, retryMs int) {
	if c.closed {
		return
	}
	c.node.m.forceReconnect.WithLabelValues(reason).Inc()
	c.record(events.ForceReconnectIssued{ConnectionID: c.id(), UserID: c.info.UserID, Reason: reason,
		RetryAfterMs: retryMs, At: now()}, c.corr())
	frame, _ := c.node.enc.Encode(protocol.ForceReconnectFrame{Ref: ref, Reason: reason, RetryAfterMs: retryMs})
	c.closeWith(ctx, frame, CloseServiceReboot, reason)
}

func (c *connActor) closeWith(ctx actor.Context, final []byte, code int, reason string) {
	if c.closed {
		return
	}
	c.closed = true
	c.sock.Close(final, code, reason)
}

// finish runs once the socket is gone: it records ConnectionClosed and
// stops the actor.
func (c *connActor) finish(ctx actor.Context, reason string) {
	c.closed = true
	c.node.expiries.cancel(c)
	if c.held != nil && c.held.tmr != nil {
		c.held.tmr.Stop()
	}
	c.recordSuppressed()
	c.record(events.ConnectionClosed{ConnectionID: c.id(), UserID: c.info.UserID, Reason: reason,
		MessagesIn: c.framesIn(), MessagesOut: c.framesOut(), At: now()}, "")
	c.node.sendUser(c.info.UserID, userDetach{Conn: ctx.Self()})
	c.node.m.connections.Dec()
	c.node.connGone(c, ctx.Self())
	ctx.Stop(ctx.Self())
}

// record appends a connection event through the writer, fire-and-forget.
func (c *connActor) record(ev events.Event, corr string) {
	d, err := events.Encode(ev, events.Metadata{CorrelationID: corr, CausationID: corr, Node: c.node.name})
	if err != nil {
		c.node.log.Error("encode event", "type", ev.EventType(), "err", err)
		return
	}
	c.node.writer.Record(c.stream(), d)
}

func severityOf(code protocol.Code) string {
	switch code {
	case protocol.CodeInternal:
		return events.SeverityHigh
	case protocol.CodeUnavailable:
		return events.SeverityMedium
	default:
		return events.SeverityLow
	}
}

func refOf(msg any) string {
	if cmd, ok := msg.(protocol.Command); ok {
		return cmd.CommandRef()
	}
	return ""
}

func typeOf(msg any) string {
	if cmd, ok := msg.(protocol.Command); ok {
		return cmd.CommandType()
	}
	return fmt.Sprintf("%T", msg)
}

// chatOf returns the chat id a command names, if any.
func chatOf(cmd protocol.Command) string {
	switch m := cmd.(type) {
	case protocol.SendMessage:
		return m.ChatID
	case protocol.Typing:
		return m.ChatID
	case protocol.ReadReceipt:
		return m.ChatID
	case protocol.MarkChatRead:
		return m.ChatID
	case protocol.GetHistory:
		return m.ChatID
	case protocol.CreateChat:
		return m.ChatID
	case chatCommand:
		return m.CommandChat()
	}
	return ""
}
