package main

import (
	"strings"
	"testing"
)

// TestHistDeltas: only what a histogram recorded between two scrapes
// counts; bucket bounds give the quantiles.
func TestHistDeltas(t *testing.T) {
	scrape := func(b1, b2, inf, sum, count string) map[string]*promHist {
		return parseHists(strings.NewReader(`# HELP linkup_append_latency_seconds x
linkup_append_latency_seconds_bucket{le="0.001"} `+b1+`
linkup_append_latency_seconds_bucket{le="0.002"} `+b2+`
linkup_append_latency_seconds_bucket{le="+Inf"} `+inf+`
linkup_append_latency_seconds_sum `+sum+`
linkup_append_latency_seconds_count `+count+`
linkup_other_total 5
`), serverHists)
	}
	before := scrape("10", "10", "10", "0.005", "10")
	after := scrape("10", "108", "110", "0.205", "110")
	d := histDeltas(before, after)["linkup_append_latency_seconds"]
	if d.Count != 100 || d.P50 != 0.002 || d.P99 != -1 || d.Mean != 0.002 {
		t.Fatalf("delta %+v", d)
	}
	if len(histDeltas(after, after)) != 0 {
		t.Fatal("no new observations must give no entry")
	}
}

// TestParseLabelledSeries: a name with a label picks that series of a
// labelled histogram, and only it.
func TestParseLabelledSeries(t *testing.T) {
	const text = `h_seconds_bucket{by="a",le="0.1"} 1
h_seconds_bucket{by="a",le="+Inf"} 2
h_seconds_sum{by="a"} 0.5
h_seconds_count{by="a"} 2
h_seconds_bucket{by="b",le="0.1"} 7
h_seconds_bucket{by="b",le="+Inf"} 7
h_seconds_sum{by="b"} 0.1
h_seconds_count{by="b"} 7
`
	hs := parseHists(strings.NewReader(text), []string{`h_seconds{by="a"}`, "h_seconds"})
	a := hs[`h_seconds{by="a"}`]
	if a == nil || a.count != 2 || a.sum != 0.5 || len(a.les) != 2 || a.counts[0] != 1 {
		t.Fatalf("series a: %+v", a)
	}
	if u := hs["h_seconds"]; u != nil && (u.count != 0 || len(u.les) != 0) {
		t.Fatalf("the unlabelled name took labelled lines: %+v", u)
	}
}

// TestSchedulerTail: the Go runtime's scheduling latencies are read like
// linkup's own histograms, and the 99.9th percentile finds the rare long
// wait for a CPU that the 99th does not.
func TestSchedulerTail(t *testing.T) {
	scrape := func(fast, mid, slow string) map[string]*promHist {
		return parseHists(strings.NewReader(`# TYPE go_sched_latencies_seconds histogram
go_sched_latencies_seconds_bucket{le="6.399999999999999e-07"} `+fast+`
go_sched_latencies_seconds_bucket{le="0.0009175039999999999"} `+mid+`
go_sched_latencies_seconds_bucket{le="0.010485759999999998"} `+slow+`
go_sched_latencies_seconds_bucket{le="+Inf"} `+slow+`
go_sched_latencies_seconds_sum 0.5
go_sched_latencies_seconds_count `+slow+`
go_sched_latencies_seconds_other 3
`), serverHists)
	}
	d, ok := histDeltas(scrape("10", "10", "10"), scrape("985", "1008", "1010"))["go_sched_latencies_seconds"]
	if !ok {
		t.Fatal("the scheduler's histogram is not reported")
	}
	if d.Count != 1000 || d.P50 != 6.399999999999999e-07 || d.P99 != 0.0009175039999999999 || d.P999 != 0.010485759999999998 {
		t.Fatalf("delta %+v", d)
	}
}
