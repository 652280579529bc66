package replay

import "github.com/prometheus/client_golang/prometheus"

// metrics are replay's collectors: events read, and limits reached.
type metrics struct {
	scanned prometheus.Counter
	limits  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		scanned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "linkup_replay_events_scanned_total",
			Help: "Events read from the log by replay.",
		}),
		limits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "linkup_replay_limit_reached_total",
			Help: "Times a replay limit was reached (chain, diff_messages, user_chats).",
		}, []string{"limit"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.scanned, m.limits} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
