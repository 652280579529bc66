package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestMemoryFlagsApply: --gc-percent and --memory-limit-mib, given, set
// the collector's percent and soft limit, and the gauge shows the percent.
func TestMemoryFlagsApply(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	reg := prometheus.NewRegistry()
	err := memoryFlags{gcPercent: 40, limitMiB: 300}.apply(context.Background(), map[string]bool{"gc-percent": true, "memory-limit-mib": true}, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	if got := gauge(t, reg, "linkup_gc_target_percent"); got != 40 {
		t.Fatalf("linkup_gc_target_percent %v, want 40", got)
	}
	if got := debug.SetGCPercent(100); got != 40 {
		t.Fatalf("GC percent %d, want 40", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Fatalf("memory limit %d, want %d", got, 300<<20)
	}
}

// TestMemoryFlagsPercentModes: the default adapts (its changes counter
// is registered); a GOGC variable without the flag, or a fixed flag,
// does not; a percent below -1 is refused.
func TestMemoryFlagsPercentModes(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	cases := []struct {
		name     string
		gogc     string
		flag     *int
		adaptive bool
	}{
		{"default", "", nil, true},
		{"GOGC kept", "70", nil, false},
		{"flag 0 over GOGC", "70", ptr(0), true},
		{"flag fixed", "", ptr(60), false},
		{"flag off", "", ptr(-1), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			m, set := memoryFlags{}, map[string]bool{}
			if tc.flag != nil {
				m.gcPercent, set["gc-percent"] = *tc.flag, true
			}
			reg := prometheus.NewRegistry()
			if err := m.applyPercent(ctx, set, slog.New(slog.DiscardHandler), reg); err != nil {
				t.Fatal(err)
			}
			if got := registered(t, reg, "linkup_gc_target_changes_total"); got != tc.adaptive {
				t.Fatalf("adaptive %v, want %v", got, tc.adaptive)
			}
		})
	}
	err := memoryFlags{gcPercent: -2}.applyPercent(context.Background(), map[string]bool{"gc-percent": true}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err == nil {
		t.Fatalf("--gc-percent -2: err %v, want a refusal", err)
	}
}

func ptr(n int) *int { return &n }

// gauge returns the value of the gauge name in reg.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mf := family(t, reg, name)
	if mf == nil {
		t.Fatalf("no %s", name)
	}
	return mf.GetMetric()[0].GetGauge().GetValue()
}

// registered reports whether reg has a metric called name.
func registered(t *testing.T, reg *prometheus.Registry, name string) bool {
	t.Helper()
	return family(t, reg, name) != nil
}

// family returns reg's metric family called name, nil if there is none.
func family(t *testing.T, reg *prometheus.Registry, name string) *dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf
		}
	}
	return nil
}
