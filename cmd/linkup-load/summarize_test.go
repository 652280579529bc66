package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestSummarizeTakesMediansAndSumsLosses: three fanout runs and one idle
// run, mixed with human lines; the fanout row shows the median rate and
// p99, and a single missing delivery in one run shows in the sum. Lines
// without a target (recorded before --target existed) count as linkup.
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
		t.Fatalf("want a header and two rows, no ratio table:\n%s", out.String())
	}
	fan := strings.Fields(lines[1])
	// target, then the run name (5 words); then runs, delivered/s, acked/s, p50, p99, ack p50, ack p99, RSS, server CPU, client CPU, missing
	if fan[0] != "linkup" || fan[6] != "3" || fan[7] != "200" || fan[10] != "20.0" || fan[16] != "1" {
		t.Fatalf("fanout row %q", lines[1])
	}
	if !strings.Contains(lines[2], "idle 19000 conns") || !strings.Contains(lines[2], "11000") {
		t.Fatalf("idle row %q", lines[2])
	}
	if err := summarize(strings.NewReader("nothing here\n"), &out); err == nil {
		t.Fatal("no result lines must be an error")
	}
}

// TestSummarizeSideBySide: alternated linkup and centrifugo runs of one
// shape give adjacent rows and a ratio row of linkup's medians over the
// peer's; a shape only linkup ran has no ratio row.
func TestSummarizeSideBySide(t *testing.T) {
	var in bytes.Buffer
	add := func(target, scenario string, rate, p99, ackP50, rss float64) {
		s := Summary{Scenario: scenario, Config: Config{Target: target, Members: 1000, Rate: 200, Chats: 200, ChatSize: 5, ClientRate: 2, Conns: 19000},
			DeliveredPerSec: rate, RSSPerConn: rss, Latency: map[string]Latency{"delivery": {P99: p99}, "ack": {P50: ackP50}}}
		line, _ := json.Marshal(s)
		in.Write(append(line, '\n'))
	}
	for range 3 {
		add("linkup", "fanout", 100, 40, 10, 0)
		add("", "chats", 10, 1, 1, 0) // no centrifugo chats run: no ratio row
		add("centrifugo", "fanout", 200, 20, 5, 0)
		add("linkup", "idle", 0, 0, 0, 9000)
		add("centrifugo", "idle", 0, 0, 0, 45000)
	}
	var out bytes.Buffer
	if err := summarize(&in, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	parts := strings.Split(strings.TrimSpace(text), "\n\n")
	if len(parts) != 2 {
		t.Fatalf("want a medians table and a ratio table:\n%s", text)
	}
	rows := strings.Split(parts[0], "\n")
	if len(rows) != 6 || !strings.HasPrefix(strings.TrimSpace(rows[1]), "linkup") || !strings.HasPrefix(strings.TrimSpace(rows[2]), "centrifugo") ||
		!strings.Contains(rows[2], "fanout 1000 members 200 msg/s") || !strings.Contains(rows[3], "chats 200x5") {
		t.Fatalf("rows not grouped by shape, linkup first:\n%s", text)
	}
	ratios := strings.Split(parts[1], "\n")
	if len(ratios) != 3 {
		t.Fatalf("want a header and two ratio rows:\n%s", parts[1])
	}
	fan := strings.Fields(ratios[1])
	// "linkup / centrifugo", the run (5 words), delivered/s, p50, p99, ack p50, ack p99, RSS, CPU
	if fan[2] != "centrifugo" || fan[8] != "0.50" || fan[9] != "-" || fan[10] != "2.00" || fan[11] != "2.00" {
		t.Fatalf("fanout ratio row %q", ratios[1])
	}
	if idle := strings.Fields(ratios[2]); idle[len(idle)-2] != "0.20" {
		t.Fatalf("idle ratio row %q", ratios[2])
	}
}
