package actors

import "github.com/asynkron/protoactor-go/actor"

// chatMailbox is a chat actor's mailbox: connMailbox's queues and runs
// (Proto.Actor's mailbox semantics), on the chat's dispatcher (the
// runners), with the function that runs it made once. Proto.Actor's
// mailbox handed its dispatcher a method value made on every schedule,
// an allocation each time the chat turned busy (about three per chat
// message: the post, the store's answer, the log follower's event), and
// moved the waiting-messages gauge on a ring buffer of its own; an idle
// chat's queues go back to the pool as a connection's do (issue #17).
// Messages are never run in place: a chat runs on its dispatcher.
type chatMailbox struct {
	connMailbox
	runFn func() // connMailbox.process of this mailbox
}

var _ actor.Mailbox = (*chatMailbox)(nil)

// chatMailboxes makes chat mailboxes reporting to stats.
func chatMailboxes(stats actor.MailboxMiddleware) actor.MailboxProducer {
	envs := &mailEnvs{stats: stats, by: map[actor.Dispatcher]*mailEnv{}}
	envs.base = &mailEnv{stats: stats, envs: envs}
	return func() actor.Mailbox {
		m := &chatMailbox{connMailbox: connMailbox{env: envs.base}}
		m.runFn = m.process
		return m
	}
}

// PostUserMessage queues a message (and first the messages of a batch).
func (m *chatMailbox) PostUserMessage(msg any) {
	for _, b := range batchOf(msg) {
		m.PostUserMessage(b)
	}
	m.enqueue(msg, false)
	m.kick()
}

// PostSystemMessage queues a system message, run ahead of user messages.
func (m *chatMailbox) PostSystemMessage(msg any) {
	m.enqueue(msg, true)
	m.kick()
}

// kick hands an idle mailbox's run to the dispatcher.
func (m *chatMailbox) kick() {
	if m.status.CompareAndSwap(mailboxIdle, mailboxRunning) {
		m.env.dispatch.Schedule(m.runFn)
	}
}
