package actors

import (
	"github.com/linkup-chat/linkup/chat"
	"github.com/prometheus/client_golang/prometheus"
)

// timelineMetrics count the v1.1 timeline: items stored by kind, and
// delivery receipts against the MessagesDelivered events they became (the
// log's growth per delivered message is
// linkup_chat_events_total{type="MessagesDelivered"} over
// linkup_chat_events_total{type="MessagePosted"}).
type timelineMetrics struct {
	items             *prometheus.CounterVec
	receipts          prometheus.Counter
	presenceSent      prometheus.Counter
	presenceTruncated prometheus.Counter
	presenceDropped   prometheus.Counter
}

func newTimelineMetrics() timelineMetrics {
	return timelineMetrics{
		items: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_chat_events_total",
			Help: "Chat events stored, by type (timeline items, reads, coalesced deliveries)."}, []string{"type"}),
		receipts:     counter("linkup_delivery_receipts_total", "delivery_receipt frames acknowledged (coalesced into at most one MessagesDelivered per user and chat a second)."),
		presenceSent: counter("linkup_presence_audience_total", "Users a presence change was sent to (each to all of their online connections)."),
		presenceTruncated: counter("linkup_presence_audience_truncated_total",
			"Presence changes whose audience was cut at PresenceMaxAudience users."),
		presenceDropped: counter("linkup_presence_dropped_total",
			"Presence frames not sent because the connection's fan-out backlog or outbound queue was full (presence is best effort)."),
	}
}

// committed counts the events of a durable batch.
func (m timelineMetrics) committed(evs []chat.Event) {
	for _, e := range evs {
		m.items.WithLabelValues(e.Event.EventType()).Inc()
	}
}
