package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// summarize reads the output of several runs (human summaries and JSON
// lines mixed, as `go tool task bench:load` prints them), groups the JSON
// lines by scenario and shape, and prints one row per group with the
// median of each figure, the number of runs, and the total missing and
// duplicated deliveries (which must be 0 in every run, so they are summed,
// not averaged).
func summarize(in io.Reader, out io.Writer) error {
	groups, order, err := readSummaries(in)
	if err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("summarize: no JSON result lines in the input")
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\truns\tdelivered/s\tacked/s\tdelivery p50 ms\tp99 ms\tack p99 ms\tRSS/conn B\tserver CPU %\tmissing\tduplicated\treconnects\t")
	for _, key := range order {
		g := groups[key]
		med := func(f func(Summary) float64) float64 { return medianOf(g, f) }
		sum := func(f func(Summary) int64) (n int64) {
			for _, s := range g {
				n += f(s)
			}
			return n
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.1f\t%.1f\t%.1f\t%.0f\t%.0f\t%d\t%d\t%d\t\n", key, len(g),
			med(func(s Summary) float64 { return s.DeliveredPerSec }),
			med(func(s Summary) float64 { return s.AckedPerSec }),
			med(func(s Summary) float64 { return s.Latency["delivery"].P50 }),
			med(func(s Summary) float64 { return s.Latency["delivery"].P99 }),
			med(func(s Summary) float64 { return s.Latency["ack"].P99 }),
			med(func(s Summary) float64 { return s.RSSPerConn }),
			med(func(s Summary) float64 { return s.CPUPercent }),
			sum(func(s Summary) int64 { return int64(s.Result.Missing) }),
			sum(func(s Summary) int64 { return int64(s.Result.Duplicated) }),
			sum(func(s Summary) int64 { return int64(s.Result.Reconnects) }))
	}
	return tw.Flush()
}

// readSummaries parses every line that is a JSON object with a scenario;
// other lines are skipped.
func readSummaries(in io.Reader) (map[string][]Summary, []string, error) {
	groups := map[string][]Summary{}
	var order []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var s Summary
		if err := json.Unmarshal([]byte(line), &s); err != nil || s.Scenario == "" {
			continue
		}
		key := shapeOf(s)
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], s)
	}
	return groups, order, sc.Err()
}

// shapeOf names a run by the settings that make its figures comparable.
func shapeOf(s Summary) string {
	c := s.Config
	switch s.Scenario {
	case "idle":
		return fmt.Sprintf("idle %d conns", c.Conns)
	case "fanout":
		return fmt.Sprintf("fanout %d members %g msg/s", c.Members, c.Rate)
	default:
		return fmt.Sprintf("%s %dx%d %g msg/s", s.Scenario, c.Chats, c.ChatSize, c.ClientRate)
	}
}

func medianOf(g []Summary, f func(Summary) float64) float64 {
	vs := make([]float64, len(g))
	for i, s := range g {
		vs[i] = f(s)
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2
	}
	return vs[len(vs)/2]
}
