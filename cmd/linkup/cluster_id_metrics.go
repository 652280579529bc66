package main

import "github.com/prometheus/client_golang/prometheus"

// clusterMetrics are a cluster node's metrics (docs/CLUSTER.md).
type clusterMetrics struct {
	activations   *prometheus.CounterVec
	forwarded     *prometheus.CounterVec
	request       prometheus.Histogram
	watchdogExits *prometheus.CounterVec
	stale         *prometheus.CounterVec
}

func newClusterMetrics(reg prometheus.Registerer, cn *clusterNode) *clusterMetrics {
	m := &clusterMetrics{
		activations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_cluster_activations_total",
			Help: "Identities activated on this node, by kind."}, []string{"kind"}),
		forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_cluster_requests_forwarded_total",
			Help: "Chat commands sent to their chat's owner through the cluster, by result (ok, unreachable)."}, []string{"result"}),
		request: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "linkup_cluster_request_seconds",
			Help:    "Time from sending a chat command to its owner to its answer, retries included.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}),
		watchdogExits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_cluster_watchdog_exits_total",
			Help: "Times the watchdog ended this node's member (the process then exits), by reason."}, []string{"reason"}),
		stale: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "linkup_cluster_stale_activations_total",
			Help: "Activations stopped because this node's topology places their identity on another node, by kind."}, []string{"kind"}),
	}
	m.activations.WithLabelValues(chatKind)
	m.stale.WithLabelValues(chatKind)
	reg.MustRegister(m.activations, m.forwarded, m.request, m.watchdogExits, m.stale,
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "linkup_cluster_request_retries_total",
			Help: "Tries of a cluster request repeated after one timed out."}, func() float64 { return float64(cn.member.Retries()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "linkup_cluster_in_flight",
			Help: "Cluster library calls running, including tries given up but still waiting inside the library."}, func() float64 { return float64(cn.member.InFlight()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "linkup_cluster_members",
			Help: "Members in this node's latest topology."}, func() float64 { return float64(len(cn.member.Members())) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "linkup_cluster_tls_refused_total",
			Help: "Connections a cluster port refused at the TLS handshake (no certificate of the cluster's CA, another CA's, plain text), by port.", ConstLabels: prometheus.Labels{"port": "remote"}},
			func() float64 { r, _ := cn.member.Refused(); return float64(r) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "linkup_cluster_tls_refused_total",
			Help: "Connections a cluster port refused at the TLS handshake (no certificate of the cluster's CA, another CA's, plain text), by port.", ConstLabels: prometheus.Labels{"port": "health"}},
			func() float64 { _, h := cn.member.Refused(); return float64(h) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "linkup_cluster_identities",
			Help: "Chat identities active on this node.", ConstLabels: prometheus.Labels{"kind": chatKind}}, func() float64 { return float64(len(cn.hostedChats())) }),
	)
	return m
}
