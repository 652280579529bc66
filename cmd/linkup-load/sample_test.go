package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestProcIOCountsWrites: 200 writes to a file show in this process's
// write system calls, and an unreadable process reads as zero.
func TestProcIOCountsWrites(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "w"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, before := procIO(os.Getpid()) // 0 when the binary has written nothing yet
	for range 200 {
		if _, err := f.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if _, after := procIO(os.Getpid()); after-before < 200 {
		t.Fatalf("write calls %d → %d after 200 writes", before, after)
	}
	if r, w := procIO(-1); r != 0 || w != 0 {
		t.Fatalf("no such process: %d, %d", r, w)
	}
}

// TestProcTimesSplitsUserFromKernel: spinning in user space shows in
// user time within a few seconds (however busy the machine), and the sum
// is what procCPU reports.
func TestProcTimesSplitsUserFromKernel(t *testing.T) {
	u0, s0 := procTimes(os.Getpid())
	u1, s1, x := u0, s0, 0
	for end := time.Now().Add(5 * time.Second); u1-u0 < 0.05 && time.Now().Before(end); {
		for i := range 1000000 {
			x += i
		}
		u1, s1 = procTimes(os.Getpid())
	}
	if u1-u0 < 0.05 || s1 < s0 || x == 0 {
		t.Fatalf("user %.2f → %.2f s, system %.2f → %.2f s after spinning up to 5 s", u0, u1, s0, s1)
	}
	if sum := procCPU(os.Getpid()); sum < u1+s1 {
		t.Fatalf("procCPU %.2f below user+system %.2f", sum, u1+s1)
	}
}

// TestMergeDerivesKernelShareAndCallRates: the traffic span's system
// time and system calls become a percentage and rates per second.
func TestMergeDerivesKernelShareAndCallRates(t *testing.T) {
	at := time.Now()
	s := Summary{TrafficSeconds: 10,
		Connected: Sample{At: at, CPU: 1, SysCPU: 0.5, ReadCalls: 100, WriteCalls: 1000},
		After:     Sample{At: at.Add(10 * time.Second), CPU: 6, SysCPU: 2.5, ReadCalls: 20100, WriteCalls: 51000},
	}
	if err := s.merge(nil); err != nil {
		t.Fatal(err)
	}
	if s.CPUPercent != 50 || s.SysCPUPercent != 20 || s.ReadCallsPerSec != 2000 || s.WriteCallsPerSec != 5000 {
		t.Fatalf("cpu %.1f%% system %.1f%% reads %.0f/s writes %.0f/s", s.CPUPercent, s.SysCPUPercent, s.ReadCallsPerSec, s.WriteCallsPerSec)
	}
}
