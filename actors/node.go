package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/events"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Node. Zero values mean the defaults.
type Config struct {
	// Store is the event log (required).
	Store events.Store
	// Encoder turns frames into bytes (required; transport.JSONEncoder, which is protocol.Encode).
	Encoder Encoder
	// Name names this node in events and connection_status (default: the
	// host name).
	Name    string
	Writer  WriterConfig
	Limits  Limits
	Logger  *slog.Logger
	Metrics prometheus.Registerer
	// Loads bounds concurrent store reads for actors (default 64).
	Loads int
	// ChatIdleAfter is how long a chat actor with no subscribed connection
	// and nothing in flight stays in memory without a message (default 10
	// minutes); then it stops, and the next request loads it again from the
	// log. Chats of online members never stop (their connections are
	// subscribed), so memory follows the chats in use, not every chat ever
	// touched.
	ChatIdleAfter time.Duration
	// RequestTimeout bounds how long a connection waits for the chats of a
	// list_chats, sync_request or bulk_read_receipt (default 10s); chats
	// that have not answered by then are reported `unavailable` (bulk) or
	// left out (list, sync).
	RequestTimeout time.Duration
	// SyncWait is how long a new connection holds live timeline items back
	// waiting for its first frame (default 1s; PROTOCOL.md section 4, "Live
	// and sync on one connection"): a first frame sync_request is answered
	// first, and the held items follow less those the answer carried.
	SyncWait time.Duration
	// PresenceGrace is how long after a user's last connection closes the
	// `presence` offline frame waits (default 5 s): a reconnect within it
	// sends nothing (v1.1, presence.go).
	PresenceGrace time.Duration
	// PresenceMaxChatMembers: presence goes to the members of a user's
	// chats of at most this many members (default 256), and to at most
	// PresenceMaxAudience users per change (default 1,000).
	PresenceMaxChatMembers int
	PresenceMaxAudience    int
	// Router sends the chat commands that append to the node that owns
	// the chat, in a cluster (router.go); nil handles them here.
	Router Router
}

// Validate reports a missing required field.
func (c *Config) Validate() error {
	switch {
	case c.Store == nil:
		return errors.New("actors: Config.Store is required")
	case c.Encoder == nil:
		return errors.New("actors: Config.Encoder is required")
	}
	return nil
}

// Node is one linkup node's actor system: its writer, its chats, users and
// connections.
type Node struct {
	cfg      Config
	ctx      context.Context
	cancel   context.CancelFunc
	system   *actor.ActorSystem
	store    events.Store
	writer   *Writer
	enc      Encoder
	dir      *dirView // published by dirOwner alone (directory_owner.go)
	dirOwner *actor.PID
	presence *presenceBook
	revoked  *revocations
	loads    *loadPool
	name     string
	log      *slog.Logger
	m        *metrics
	fm       *followMetrics // the shared log (follow.go, chat_observe.go)
	logSeen  atomic.Uint64  // the log position the follower has read up to (follow.go)

	kinds struct{ conn, chat, user *kind }
	// runners run the chat actors' mailboxes on reused goroutines
	// (runners.go).
	runners *runners
	// pageOwner bounds the history pages all chats keep (chat_pages_owner.go).
	pageOwner *actor.PID

	// chats finds this node's chat actors by id (registry.go: sharded,
	// sends take a read lock), conns its connections (connTable); users
	// holds the users online here (user_book.go).
	chats     *registry
	conns     *connTable
	users     *userBook
	admission admission // open connections, for Shutdown's drain (node_admit.go)
	expiries  *expiries // token expiries of the connections (expiry.go)
}

// New builds a node and loads its directory from the store. It accepts
// connections as soon as it returns.
func New(ctx context.Context, cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := newNode(cfg)
	head, err := cfg.Store.Head(ctx) // chats loaded from here on read the rest
	if err != nil {
		n.cancel()
		return nil, fmt.Errorf("actors: log head: %w", err)
	}
	dir, _, err := LoadDirectory(ctx, cfg.Store)
	if err != nil {
		n.cancel()
		return nil, fmt.Errorf("actors: load directory: %w", err)
	}
	n.dir.p.Store(dir) // before any actor reads it
	if err := n.presence.load(ctx, cfg.Store); err != nil {
		n.cancel()
		return nil, fmt.Errorf("actors: load presence: %w", err)
	}
	if err := n.revoked.load(ctx, cfg.Store); err != nil {
		n.cancel()
		return nil, fmt.Errorf("actors: load revocations: %w", err)
	}
	// One follower for every node's appends after head (follow.go): chat
	// events to the chats here, membership changes to the directory's
	// owner, other nodes' connections to the presence owner. It starts
	// once the loads above are published, so the owners never change a
	// version a load then replaces; what the loads read past head comes
	// again and is applied once (the directory keeps each chat's last
	// membership seq).
	n.logSeen.Store(head)
	go n.followLog(n.ctx, head)
	return n, nil
}

func newNode(cfg Config) *Node {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Name == "" {
		cfg.Name, _ = os.Hostname()
	}
	cfg.Limits.defaults()
	if cfg.ChatIdleAfter <= 0 {
		cfg.ChatIdleAfter = 10 * time.Minute
	}
	if cfg.SyncWait <= 0 {
		cfg.SyncWait = time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	cfg.PresenceGrace = orDefaultDuration(cfg.PresenceGrace, DefaultPresenceGrace)
	cfg.PresenceMaxChatMembers = orDefault(cfg.PresenceMaxChatMembers, DefaultPresenceMaxChatMembers)
	cfg.PresenceMaxAudience = orDefault(cfg.PresenceMaxAudience, DefaultPresenceMaxAudience)
	m := newMetrics(cfg.Metrics)
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{cfg: cfg, ctx: ctx, cancel: cancel, system: actor.NewActorSystem(actor.WithLoggerFactory(quietLogger)),
		store: cfg.Store, writer: newWriter(cfg.Store, cfg.Writer, cfg.Logger, m), enc: cfg.Encoder,
		dir: newDirView(), presence: newPresenceBook(), revoked: newRevocations(), loads: newLoadPool(orDefault(cfg.Loads, 64), m), name: cfg.Name, log: cfg.Logger, m: m,
		chats: newRegistry()}
	compactProcessRegistry(n.system)
	n.conns = newConnTable(n.system)
	n.runners = newRunners(ctx.Done(), m)
	n.kinds.conn, n.kinds.chat, n.kinds.user = newKind(n, "connection"), newKind(n, "chat"), newKind(n, "user")
	n.users = newUserBook(n)
	n.expiries = newExpiries(func(pid *actor.PID) { n.system.Root.Send(pid, tokenExpired{}) })
	n.fm = newFollowMetrics(cfg.Metrics)
	n.pageOwner = n.spawnPageOwner(maxNodePages)
	n.dirOwner = n.spawnDirOwner()
	n.presence.owner = n.spawnPresenceOwner()
	return n
}

func quietLogger(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }

// Name is the node's name.
func (n *Node) Name() string { return n.name }

// Connect spawns the connection actor of an authenticated socket. Its
// event stream (events.ConnectionStream(info.ConnectionID)) names the
// actor (connTable): the id must be unique among the node's connections
// (transport gives each a UUID). A connection whose id cannot name it
// (taken, or not a connection name) still works in full, under a
// generated name; only connTable.get does not find it.
func (n *Node) Connect(info ConnInfo, sock Socket) *Conn {
	a := newConnActor(n, info, sock)
	a.slot = n.conns.reserve()
	pid := n.spawnConn(a, info.ConnectionID)
	if reason, ok := n.admit(a, pid); !ok {
		n.system.Root.Send(pid, shutdownConn{Reason: reason, Retry: 1000})
	}
	return &Conn{a: a, pid: pid}
}

// spawnConn spawns connection actor a named id, or under a generated
// name (a renamed actor keeps id in its requests) when id cannot name it.
func (n *Node) spawnConn(a *connActor, id string) *actor.PID {
	k := n.kinds.conn
	if named(id) {
		if pid, err := k.spawnNamed(n.system.Root, a, events.ConnectionStream(id)); err == nil {
			return pid
		}
		n.log.Warn("connection id already names an actor: spawned under another name", "connection", id)
	}
	a.renamed, a.reqs = true, &connReqs{id: id}
	return k.spawn(n.system.Root, a)
}

// connGone unlists connection c (pid) when it closes.
func (n *Node) connGone(c *connActor, pid *actor.PID) {
	if n.conns.remove(c.slot, pid) {
		n.admission.open.Done()
	}
}

// sendChat sends msg to chat id's actor, spawning it if needed.
func (n *Node) sendChat(id string, msg any) {
	spawn := func() *actor.PID { return n.kinds.chat.spawn(n.system.Root, newChatActor(n, id)) }
	if n.chats.send(id, msg, spawn, n.system.Root.Send) {
		n.m.chats.Inc()
	}
}

// sendUser sends msg to user id (user_book.go), making their entry if
// needed.
func (n *Node) sendUser(id string, msg any) {
	n.users.send(id, msg, n.system.Root.Send)
}

// retireChat removes a chat actor from the registry and poisons it, in one
// step under its shard's lock: the messages that reach the retired actor
// are exactly those queued before the poison pill, and the actor forwards
// them to its successor (see forwarded).
func (n *Node) retireChat(id string, pid *actor.PID, ctx actor.Context) bool {
	return n.chats.retire(id, pid, func() {
		n.m.chats.Dec()
		ctx.Poison(pid)
	})
}

// forwarded reports whether msg, reaching an actor that has retired, was
// passed on to the actor that now holds its identity (spawned on demand).
// Lifecycle messages are not forwarded, nor acks (a retired actor has no
// subscriber or connection to credit).
func forwarded(retired bool, msg any, send func(any)) bool {
	if !retired {
		return false
	}
	switch msg.(type) {
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting, *actor.PoisonPill, appendDone, chatLoaded, chatPageLoaded, chatIdleCheck, deliverAck, pageEvict,
		chatObserved, chatCaughtUp, chatCatchUpRetry: // the successor reads the log itself
		return true
	}
	send(msg)
	return true
}

// Shutdown tells every connection to reconnect (reason), waits until they
// are gone, then flushes the writer: every accepted event is in the store
// when it returns nil.
func (n *Node) Shutdown(ctx context.Context, reason string) error {
	n.kinds.conn.dispatch.goAsync() // the posts below hold the connections' table lock (connDispatcher)
	n.closeAdmission(reason)
	n.conns.each(func(pid *actor.PID) {
		n.system.Root.Send(pid, shutdownConn{Reason: reason, Retry: 1000})
	})
	done := make(chan struct{})
	go func() { n.admission.open.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		n.log.Warn("shutdown: connections still open", "err", ctx.Err())
	}
	err := n.writer.Close(ctx)
	n.cancel()
	n.system.Shutdown()
	return err
}

// RecordError appends an ErrorRecorded through the writer, fire-and-forget:
// into its connection's stream when it names one, else into "errors".
// Transport uses it for refused handshakes and oversized frames.
func (n *Node) RecordError(ev events.ErrorRecorded) {
	if ev.At.IsZero() {
		ev.At = now()
	}
	d, err := events.Encode(ev, events.Metadata{Node: n.name})
	if err != nil {
		n.log.Error("encode error event", "err", err)
		return
	}
	n.writer.Record(events.ErrorStream(ev.ConnectionID), d)
}
