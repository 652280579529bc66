package actors

import (
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// connMailbox is a connection actor's mailbox: Proto.Actor's default
// mailbox semantics (system messages first, suspend and resume, a
// failing handler escalated to the supervisor, one run at a time on the
// dispatcher, Throughput messages between yields) at a fraction of its
// idle cost. Proto.Actor's lock-free mailbox keeps two linked queues, each
// with a node left behind, about 180 bytes per actor however idle; this
// one is 48 bytes, and its queues exist only while messages wait: they are
// taken from a pool on the first post and given back when the mailbox
// runs empty (issue #17: most connections sit idle). Safe for concurrent
// use; a mutex guards the queues (posts to one connection rarely meet).
// What the mailboxes of one dispatcher share (the dispatcher, the kind's
// middleware) is one mailEnv they point to.
type connMailbox struct {
	mu        sync.Mutex
	status    atomic.Int32 // idle or running (Proto.Actor's scheduler status)
	suspended atomic.Bool
	q         *mailQueues // nil while empty
	invoker   actor.MessageInvoker
	env       *mailEnv
}

// mailEnv is what the mailboxes of one producer and one dispatcher
// share: the dispatcher, the kind's mailbox middleware (nil: none), and
// the producer's envs, to find the one of another dispatcher.
type mailEnv struct {
	dispatch actor.Dispatcher
	inPlace  *connDispatcher // dispatch, if it is one
	stats    actor.MailboxMiddleware
	envs     *mailEnvs
}

// mailEnvs are a producer's mailEnvs, one per dispatcher (a kind has one
// or two). Safe for concurrent use.
type mailEnvs struct {
	mu    sync.Mutex
	stats actor.MailboxMiddleware
	base  *mailEnv // no dispatcher yet: a mailbox's env until RegisterHandlers
	by    map[actor.Dispatcher]*mailEnv
}

// of returns the env of dispatcher d, made on first use (one of its own
// for a dispatcher that cannot be a map key; none of Proto.Actor's or
// this package's is one).
func (e *mailEnvs) of(d actor.Dispatcher) *mailEnv {
	if d == nil || !reflect.TypeOf(d).Comparable() {
		return &mailEnv{dispatch: d, stats: e.stats, envs: e}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	env, ok := e.by[d]
	if !ok {
		env = &mailEnv{dispatch: d, stats: e.stats, envs: e}
		env.inPlace, _ = d.(*connDispatcher)
		e.by[d] = env
	}
	return env
}

var _ actor.Mailbox = (*connMailbox)(nil)

const (
	mailboxIdle int32 = iota
	mailboxRunning
)

// mailQueues are a mailbox's waiting messages.
type mailQueues struct{ user, sys msgQueue }

// msgQueue is a FIFO of messages: buf[head:] waits.
type msgQueue struct {
	buf  []any
	head int
}

func (q *msgQueue) push(m any) { q.buf = append(q.buf, m) }

func (q *msgQueue) len() int { return len(q.buf) - q.head }

func (q *msgQueue) pop() (any, bool) {
	if q.head == len(q.buf) {
		return nil, false
	}
	m := q.buf[q.head]
	q.buf[q.head] = nil
	q.head++
	if q.head == len(q.buf) {
		q.buf, q.head = q.buf[:0], 0
	}
	return m, true
}

// maxPooledQueue is the largest queue buffer given back to the pool: one
// grown by a burst to a slow consumer is left to the GC.
const maxPooledQueue = 256

var mailQueuePool = sync.Pool{New: func() any { return &mailQueues{} }}

// connMailboxes makes connection mailboxes reporting to stats.
func connMailboxes(stats actor.MailboxMiddleware) actor.MailboxProducer {
	envs := &mailEnvs{stats: stats, by: map[actor.Dispatcher]*mailEnv{}}
	envs.base = &mailEnv{stats: stats, envs: envs}
	return func() actor.Mailbox { return &connMailbox{env: envs.base} }
}

// PostUserMessage queues a message (and, as Proto.Actor's mailbox does,
// first the messages of a batch).
func (m *connMailbox) PostUserMessage(msg any) {
	for _, b := range batchOf(msg) {
		m.PostUserMessage(b)
	}
	m.post(msg, false)
}

// batchOf is the messages of a batch (or of an envelope's batch), which
// a mailbox posts before the batch itself, as Proto.Actor's does.
func batchOf(msg any) []any {
	if batch, ok := msg.(actor.MessageBatch); ok {
		return batch.GetMessages()
	}
	if env, ok := msg.(*actor.MessageEnvelope); ok {
		if batch, ok := env.Message.(actor.MessageBatch); ok {
			return batch.GetMessages()
		}
	}
	return nil
}

// PostSystemMessage queues a system message, run ahead of user messages.
func (m *connMailbox) PostSystemMessage(msg any) { m.post(msg, true) }

func (m *connMailbox) post(msg any, sys bool) {
	if !sys && m.runNow(msg) {
		return
	}
	m.enqueue(msg, sys)
	m.schedule()
}

// enqueue queues msg, its queue taken from the pool if none is held.
func (m *connMailbox) enqueue(msg any, sys bool) {
	if m.env.stats != nil {
		m.env.stats.MessagePosted(msg)
	}
	m.mu.Lock()
	if m.q == nil {
		m.q = mailQueuePool.Get().(*mailQueues)
	}
	if sys {
		m.q.sys.push(msg)
	} else {
		m.q.user.push(msg)
	}
	m.mu.Unlock()
}

func (m *connMailbox) RegisterHandlers(invoker actor.MessageInvoker, dispatcher actor.Dispatcher) {
	m.invoker, m.env = invoker, m.env.envs.of(dispatcher)
}

func (m *connMailbox) Start() {
	if m.env.stats != nil {
		m.env.stats.MailboxStarted()
	}
}

// UserMessageCount is how many user messages wait.
func (m *connMailbox) UserMessageCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.q == nil {
		return 0
	}
	return m.q.user.len()
}

// schedule starts a run of an idle mailbox. On a connDispatcher that
// runs mailboxes in place it calls process itself: handing the dispatcher
// the method value m.process allocated a closure per run (three per chat
// message: the ack and the deliveries).
func (m *connMailbox) schedule() {
	if !m.status.CompareAndSwap(mailboxIdle, mailboxRunning) {
		return
	}
	if d := m.env.inPlace; d != nil && !d.async.Load() {
		m.process()
		return
	}
	m.env.dispatch.Schedule(m.process)
}

// runNow handles a user message at once, without queueing it, when the
// mailbox runs in place and is idle, not suspended and empty: what
// posting it and running the mailbox in place would do (the message is
// the only one, handled on the poster's goroutine), without the queue
// taken from the pool and given back, two of the three locks and the
// waiting-messages gauge's increment and decrement, which a message that
// never waits leaves unchanged (issue #17: one such post per ack and per
// delivery). It reports false, having done nothing, when the message must
// be queued instead; when messages wait after all, it queues msg behind
// them and runs the mailbox.
func (m *connMailbox) runNow(msg any) bool {
	if d := m.env.inPlace; d == nil || d.async.Load() || m.suspended.Load() {
		return false
	}
	if _, ok := msg.(actor.MessageBatch); ok {
		return false // its messages are posted first (PostUserMessage)
	}
	if !m.status.CompareAndSwap(mailboxIdle, mailboxRunning) {
		return false // running: the runner takes it from the queue
	}
	if m.suspended.Load() { // suspended before the CAS: queue it
		m.status.Store(mailboxIdle)
		return false
	}
	m.mu.Lock()
	if q := m.q; q != nil && (q.user.len() > 0 || q.sys.len() > 0) {
		if m.env.stats != nil {
			m.env.stats.MessagePosted(msg)
		}
		q.user.push(msg) // behind what waits, as a post would be
		m.mu.Unlock()
		m.process()
		return true
	}
	m.mu.Unlock()
	m.invokeNow(msg)
	m.settle()
	return true
}

// invokeNow handles one user message, a failing handler escalated to the
// supervisor as in run.
func (m *connMailbox) invokeNow(msg any) {
	defer func() {
		if r := recover(); r != nil {
			m.invoker.EscalateFailure(r, msg)
		}
	}()
	m.invoker.InvokeUserMessage(msg)
}

// process runs the mailbox until it is empty (or suspended with only
// user messages), as Proto.Actor's does.
func (m *connMailbox) process() {
	m.run()
	m.settle()
}

// settle ends a run: the mailbox goes idle, unless messages were posted
// meanwhile and this goroutine wins the run again, which then handles
// them.
func (m *connMailbox) settle() {
	for {
		m.status.Store(mailboxIdle)
		sys, user := m.waiting()
		if sys > 0 || (!m.suspended.Load() && user > 0) {
			if m.status.CompareAndSwap(mailboxIdle, mailboxRunning) {
				m.run()
				continue
			}
		}
		if user == 0 && !m.suspended.Load() && m.env.stats != nil {
			m.env.stats.MailboxEmpty()
		}
		return
	}
}

// waiting counts the waiting system and user messages, and gives the
// queues back to the pool when both are empty.
func (m *connMailbox) waiting() (sys, user int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.q == nil {
		return 0, 0
	}
	sys, user = m.q.sys.len(), m.q.user.len()
	if sys == 0 && user == 0 {
		q := m.q
		m.q = nil
		if cap(q.user.buf) <= maxPooledQueue && cap(q.sys.buf) <= maxPooledQueue {
			mailQueuePool.Put(q)
		}
	}
	return sys, user
}

// next pops the next system message, or (unless suspended) user message.
func (m *connMailbox) next() (msg any, sys, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.q == nil {
		return nil, false, false
	}
	if msg, ok := m.q.sys.pop(); ok {
		return msg, true, true
	}
	if m.suspended.Load() {
		return nil, false, false
	}
	msg, ok = m.q.user.pop()
	return msg, false, ok
}

func (m *connMailbox) run() {
	var msg any
	defer func() {
		if r := recover(); r != nil {
			m.invoker.EscalateFailure(r, msg)
		}
	}()
	i, t := 0, m.env.dispatch.Throughput()
	for {
		if i > t {
			i = 0
			runtime.Gosched()
		}
		i++
		var sys, ok bool
		if msg, sys, ok = m.next(); !ok {
			return
		}
		if sys {
			m.system(msg)
		} else {
			m.invoker.InvokeUserMessage(msg)
		}
		if m.env.stats != nil {
			m.env.stats.MessageReceived(msg)
		}
	}
}

func (m *connMailbox) system(msg any) {
	switch msg.(type) {
	case *actor.SuspendMailbox:
		m.suspended.Store(true)
	case *actor.ResumeMailbox:
		m.suspended.Store(false)
	default:
		m.invoker.InvokeSystemMessage(msg)
	}
}
