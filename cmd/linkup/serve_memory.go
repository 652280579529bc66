package main

import (
	"flag"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryFlags tune the Go garbage collector of a node (issue #17, docs/BENCHMARKS.md):
//
//   - --gc-percent (GOGC): heap growth allowed between collections. 100,
//     Go's default, lets the heap reach twice what is live: an idle
//     connection's ~2.9 KB of live heap costs about 7.4 KB of RSS at
//     19,000 connections (heap headroom, partly filled spans). 50 costs
//     about 6.3 KB and 25 about 5.6 KB, for more collector CPU under load
//     (roughly twice and four times the marking work of 100 at the same
//     allocation rate).
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
	fs.IntVar(&m.gcPercent, "gc-percent", 100, "Go GC: heap growth in percent of the live heap between collections (GOGC; lower: less RSS, more GC CPU)")
	fs.IntVar(&m.limitMiB, "memory-limit-mib", 0, "Go soft memory limit in MiB (GOMEMLIMIT; 0: 90% of the cgroup's memory.max if there is one, else none)")
}

// apply sets the collector's percent and limit; set names the flags
// given (on the command line or as LINKUP_ variables).
func (m memoryFlags) apply(set map[string]bool, log *slog.Logger) {
	if set["gc-percent"] || os.Getenv("GOGC") == "" {
		debug.SetGCPercent(m.gcPercent)
	}
	limit := int64(m.limitMiB) << 20
	if !set["memory-limit-mib"] || limit <= 0 {
		if os.Getenv("GOMEMLIMIT") != "" {
			return
		}
		limit = cgroupMemoryMax() / 10 * 9
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
		log.Info("memory limit", "bytes", limit)
	}
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
