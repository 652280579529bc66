package transport

import "github.com/prometheus/client_golang/prometheus"

type serverMetrics struct {
	open              prometheus.Gauge
	framesIn          prometheus.Counter
	handshakeFailures *prometheus.CounterVec
	pingTimeouts      prometheus.Counter
	httpConns         prometheus.Gauge
	httpEvicted       *prometheus.CounterVec
}

func newServerMetrics(reg prometheus.Registerer) *serverMetrics {
	m := &serverMetrics{
		open:              prometheus.NewGauge(prometheus.GaugeOpts{Name: "linkup_websockets_open", Help: "Open WebSockets."}),
		framesIn:          prometheus.NewCounter(prometheus.CounterOpts{Name: "linkup_ws_frames_read_total", Help: "Data frames read from clients."}),
		handshakeFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_handshake_failures_total", Help: "Refused or failed WebSocket handshakes, by status."}, []string{"status"}),
		pingTimeouts:      prometheus.NewCounter(prometheus.CounterOpts{Name: "linkup_ping_timeouts_total", Help: "Connections closed because they stopped answering pings."}),
		httpConns:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "linkup_http_connections", Help: "Open HTTP connections not upgraded to a WebSocket (unauthenticated)."}),
		httpEvicted:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_http_connections_evicted_total", Help: "HTTP connections closed to make room for a new one, by the cap reached (per_address, total)."}, []string{"limit"}),
	}
	if reg != nil {
		reg.MustRegister(m.open, m.framesIn, m.handshakeFailures, m.pingTimeouts, m.httpConns, m.httpEvicted)
	}
	return m
}
