package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"

	"github.com/linkup-chat/linkup/internal/gctarget"
	"github.com/prometheus/client_golang/prometheus"
)

// memoryFlags tune the Go garbage collector of a node (issue #17, docs/BENCHMARKS.md):
//
//   - --gc-percent (GOGC): heap growth allowed between collections. 0, the
//     default, adapts it (internal/gctarget): 25 while the node allocates
//     slowly (idle connections and their pings), so the heap stays close
//     to what is live, and up to 100, Go's default, as soon as it
//     allocates fast (chat load), where a lower percent would cost
//     collector CPU (its work per second grows as allocation rate /
//     percent). A fixed N (or -1: off), or a GOGC variable when the flag
//     is not given, turns the adaptation off.
//   - --memory-limit-mib (GOMEMLIMIT): a soft limit on the process's Go
//     memory. Under it nothing changes; near it the collector runs more
//     often and returns memory to the OS, so the process stays under it
//     instead of being killed (at the cost of CPU when the live heap
//     itself comes close). Default: 90 % of the cgroup's memory.max when
//     the process runs in a cgroup with a limit, else none.
//
// The GOGC and GOMEMLIMIT environment variables are kept when the flags
// are not given.
type memoryFlags struct {
	gcPercent int
	limitMiB  int
}

func (m *memoryFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&m.gcPercent, "gc-percent", 0, "Go GC: heap growth in percent of the live heap between collections (GOGC); 0: adaptive, 25 while the node allocates slowly (idle connections) up to 100 under load; N > 0 fixes it (lower: less RSS, more GC CPU); -1 turns the collector off")
	fs.IntVar(&m.limitMiB, "memory-limit-mib", 0, "Go soft memory limit in MiB (GOMEMLIMIT; 0: 90% of the cgroup's memory.max if there is one, else none)")
}

// apply sets the collector's percent (or starts adapting it until ctx
// ends) and its limit; set names the flags given (on the command line or
// as LINKUP_ variables). reg gets linkup_gc_target_percent.
func (m memoryFlags) apply(ctx context.Context, set map[string]bool, log *slog.Logger, reg prometheus.Registerer) error {
	if err := m.applyPercent(ctx, set, log, reg); err != nil {
		return err
	}
	limit := int64(m.limitMiB) << 20
	if !set["memory-limit-mib"] || limit <= 0 {
		if os.Getenv("GOMEMLIMIT") != "" {
			return nil
		}
		limit = cgroupMemoryMax() / 10 * 9
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
		log.Info("memory limit", "bytes", limit)
	}
	return nil
}

// applyPercent fixes the percent (--gc-percent N, or GOGC when the flag
// is not given) or starts the adaptive target.
func (m memoryFlags) applyPercent(ctx context.Context, set map[string]bool, log *slog.Logger, reg prometheus.Registerer) error {
	if m.gcPercent < -1 {
		return fmt.Errorf("--gc-percent %d: want 0 (adaptive, the default), a percent above 0, or -1 (collector off)", m.gcPercent)
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "linkup_gc_target_percent",
		Help: "The Go collector's percent (GOGC) now: fixed, or moved by the adaptive target (--gc-percent 0)."}, readGCPercent))
	switch {
	case set["gc-percent"] && m.gcPercent != 0:
		debug.SetGCPercent(m.gcPercent)
		return nil
	case !set["gc-percent"] && os.Getenv("GOGC") != "":
		return nil // the runtime has applied it
	}
	c, err := gctarget.New(gctarget.Config{Logger: log})
	if err != nil {
		return err
	}
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "linkup_gc_target_changes_total",
		Help: "Changes of the adaptive GC target."}, func() float64 { return float64(c.Changes()) }))
	go c.Run(ctx)
	return nil
}

// readGCPercent is the runtime's GOGC now.
func readGCPercent() float64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(s[0].Value.Uint64())
}

// cgroupMemoryMax reads the cgroup v2 memory limit of the process (0: none
// or unknown).
func cgroupMemoryMax() int64 {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil { // "max": no limit
		return 0
	}
	return n
}
