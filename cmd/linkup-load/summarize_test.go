package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestSummarizeTakesMediansAndSumsLosses: three fanout runs and one idle
// run, mixed with human lines; the fanout row shows the median rate and
// p99, and a single missing delivery in one run shows in the sum.
func TestSummarizeTakesMediansAndSumsLosses(t *testing.T) {
	var in bytes.Buffer
	in.WriteString("server: RSS 25 MiB before\nnot json {\n")
	for i, rate := range []float64{300, 100, 200} {
		s := Summary{Scenario: "fanout", Config: Config{Members: 1000, Rate: 100}, DeliveredPerSec: rate,
			Latency: map[string]Latency{"delivery": {P99: rate / 10}}}
		s.Result.Missing = uint64(i % 2)
		line, _ := json.Marshal(s)
		in.Write(append(line, '\n'))
	}
	idle, _ := json.Marshal(Summary{Scenario: "idle", Config: Config{Conns: 19000}, RSSPerConn: 11000})
	in.Write(append(idle, '\n'))
	var out bytes.Buffer
	if err := summarize(&in, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and two rows:\n%s", out.String())
	}
	fan := strings.Fields(lines[1])
	// the run name is 5 words; then runs, delivered/s, acked/s, p50, p99, ack p99, RSS, CPU, missing
	if fan[5] != "3" || fan[6] != "200" || fan[9] != "20.0" || fan[13] != "1" {
		t.Fatalf("fanout row %q", lines[1])
	}
	if !strings.Contains(lines[2], "idle 19000 conns") || !strings.Contains(lines[2], "11000") {
		t.Fatalf("idle row %q", lines[2])
	}
	if err := summarize(strings.NewReader("nothing here\n"), &out); err == nil {
		t.Fatal("no result lines must be an error")
	}
}
