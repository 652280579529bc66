package actors

import "github.com/prometheus/client_golang/prometheus"

// followMetrics count the shared log's work: what the node's follower
// handed to chats, and what chats did about other appenders.
type followMetrics struct {
	followed         prometheus.Counter
	resubscribes     prometheus.Counter
	applied          prometheus.Counter
	gaps             prometheus.Counter
	catchUps         prometheus.Counter
	conflicts        prometheus.Counter
	conflictRefusals prometheus.Counter
	attachShort      prometheus.Counter
}

func newFollowMetrics(reg prometheus.Registerer) *followMetrics {
	m := &followMetrics{
		followed:         counter("linkup_log_follower_events_total", "Chat events the node's log follower read from the shared log (every node's appends)."),
		resubscribes:     counter("linkup_log_follower_resubscribes_total", "Times the log follower's subscription failed and was resumed."),
		applied:          counter("linkup_chat_log_applied_total", "Events another appender stored that chat actors applied from the log (observed or caught up) and delivered to their subscribers."),
		gaps:             counter("linkup_chat_log_gaps_total", "Observed events past a gap in a chat's revisions (the chat read the gap from the store)."),
		catchUps:         counter("linkup_chat_catchups_total", "Catch-up reads of a chat's stream (after an append conflict, a gap, or dropped observed events)."),
		conflicts:        counter("linkup_chat_append_conflicts_total", "Chat appends refused by the log because another appender wrote the stream first (the batch is decided again after catching up)."),
		conflictRefusals: counter("linkup_chat_conflict_refusals_total", "Commands answered `unavailable` because their batch lost the append twice."),
		attachShort:      counter("linkup_attach_catchups_short_total", "Connections that attached more items of a chat after their acceptance than the chat keeps marks for (maxSeqMarks): they got the newest, and sync for the rest."),
	}
	if reg != nil {
		reg.MustRegister(m.followed, m.resubscribes, m.applied, m.gaps, m.catchUps, m.conflicts, m.conflictRefusals, m.attachShort)
	}
	return m
}
