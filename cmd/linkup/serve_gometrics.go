package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// goCollector is the Go runtime's part of /metrics: the usual go_* series
// plus the scheduler's (go_sched_latencies_seconds, the time goroutines
// spent runnable before they ran; go_sched_goroutines_goroutines). A
// delivery or an ack that is late while the store's append latency is
// short waited for a CPU somewhere on its path, and that histogram is
// where it shows: it is how the load tool tells a CPU-bound tail from the
// log's (docs/BENCHMARKS.md).
func goCollector() prometheus.Collector {
	return collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsScheduler))
}
