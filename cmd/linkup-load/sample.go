package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Sample is one reading of the server process.
type Sample struct {
	RSS        int64   // bytes, /proc/PID/status VmRSS
	CPU        float64 // seconds of user+system time, /proc/PID/stat
	SysCPU     float64 // of which system (kernel) time
	ReadCalls  int64   // read system calls so far (read, readv, recv...), /proc/PID/io syscr
	WriteCalls int64   // write system calls so far (write, writev, pwrite, send...), syscw
	Goroutines int     // go_goroutines from /metrics
	FDs        int     // open file descriptors, entries of /proc/PID/fd
	At         time.Time
}

// clockTicks is USER_HZ, 100 on every Linux the tool targets.
const clockTicks = 100

// sampleServer reads /proc for pid (when > 0) and /metrics at metricsURL.
func sampleServer(pid int, metricsURL string) Sample {
	s := Sample{At: time.Now()}
	if pid > 0 {
		s.RSS = procRSS(pid)
		var user float64
		user, s.SysCPU = procTimes(pid)
		s.CPU = user + s.SysCPU
		s.ReadCalls, s.WriteCalls = procIO(pid)
		s.FDs = procFDs(pid)
	}
	if metricsURL != "" {
		s.Goroutines = metricGoroutines(metricsURL)
	}
	return s
}

func procRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// procFDs counts the entries of /proc/PID/fd (0 when unreadable), reading
// the directory in batches so a huge table costs bounded memory.
func procFDs(pid int) int {
	d, err := os.Open(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0
	}
	defer d.Close()
	n := 0
	for {
		names, err := d.Readdirnames(1024)
		n += len(names)
		if err != nil || len(names) == 0 {
			return n
		}
	}
}

// procCPU returns the user+system time of pid in seconds.
func procCPU(pid int) float64 {
	u, s := procTimes(pid)
	return u + s
}

// procTimes returns utime and stime in seconds (fields 14 and 15 of stat,
// counted after the parenthesised command name); 0, 0 when unreadable.
func procTimes(pid int) (user, sys float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return u / clockTicks, s / clockTicks
}

// procIO returns the read and write system calls pid has made (syscr and
// syscw of /proc/PID/io, which only the process's owner or root may read;
// 0, 0 otherwise). Socket writes and the store's file writes both count:
// against the delivered frames they show how many frames a write carries.
func procIO(pid int) (reads, writes int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch k {
		case "syscr":
			reads = n
		case "syscw":
			writes = n
		}
	}
	return reads, writes
}

func metricGoroutines(url string) int {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	return 0
}

// metricsURL turns ws://host/any/path into http://host/metrics (linkup's
// and a spawned Centrifugo's metrics both live there).
func metricsURL(wsURL string) string {
	u, err := url.Parse(wsURL)
	if err != nil {
		return ""
	}
	return "http://" + u.Host + "/metrics"
}
