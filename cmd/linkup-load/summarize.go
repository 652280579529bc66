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
// lines by target and by scenario and shape, and prints one row per group
// with the median of each figure, the number of runs, and the total
// missing and duplicated deliveries (which must be 0 in every run, so they
// are summed, not averaged). When a shape ran against linkup and a peer,
// a second table gives linkup's medians divided by the peer's.
func summarize(in io.Reader, out io.Writer) error {
	groups, order, err := readSummaries(in)
	if err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("summarize: no JSON result lines in the input")
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\trun\truns\tdelivered/s\tacked/s\tdelivery p50 ms\tp99 ms\tack p50 ms\tack p99 ms\tRSS/conn B\tserver CPU %\tclient CPU %\tmissing\tduplicated\treconnects\t")
	for _, key := range order {
		g := groups[key]
		m := mediansOf(g)
		sum := func(f func(Summary) int64) (n int64) {
			for _, s := range g {
				n += f(s)
			}
			return n
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t%.0f\t%.0f\t%d\t%d\t%d\t\n", key.target, key.shape, len(g),
			m[colDelivered], m[colAcked], m[colDelP50], m[colDelP99], m[colAckP50], m[colAckP99], m[colRSS], m[colCPU], m[colClientCPU],
			sum(func(s Summary) int64 { return int64(s.Result.Missing) }),
			sum(func(s Summary) int64 { return int64(s.Result.Duplicated) }),
			sum(func(s Summary) int64 { return int64(s.Result.Reconnects) }))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return printRatios(out, groups, order)
}

// The median columns of a group, in mediansOf's order.
const (
	colDelivered = iota
	colAcked
	colDelP50
	colDelP99
	colAckP50
	colAckP99
	colRSS
	colCPU
	colClientCPU
	numCols
)

// mediansOf returns a group's median of each column.
func mediansOf(g []Summary) [numCols]float64 {
	fs := [numCols]func(Summary) float64{
		func(s Summary) float64 { return s.DeliveredPerSec },
		func(s Summary) float64 { return s.AckedPerSec },
		func(s Summary) float64 { return s.Latency["delivery"].P50 },
		func(s Summary) float64 { return s.Latency["delivery"].P99 },
		func(s Summary) float64 { return s.Latency["ack"].P50 },
		func(s Summary) float64 { return s.Latency["ack"].P99 },
		func(s Summary) float64 { return s.RSSPerConn },
		func(s Summary) float64 { return s.CPUPercent },
		func(s Summary) float64 { return s.ClientCPUPct },
	}
	var out [numCols]float64
	for i, f := range fs {
		out[i] = medianOf(g, f)
	}
	return out
}

// printRatios writes, for every shape run against linkup and a peer, the
// ratio linkup / peer of each median (below 1: linkup's figure is lower,
// which is better for latencies, RSS and CPU, worse for rates); "-" when
// the peer's median is 0.
func printRatios(out io.Writer, groups map[groupKey][]Summary, order []groupKey) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := false
	for _, key := range order {
		if key.target == targetLinkup {
			continue
		}
		lk := groupKey{target: targetLinkup, shape: key.shape}
		lg, ok := groups[lk]
		if !ok {
			continue
		}
		if !header {
			fmt.Fprintln(out)
			fmt.Fprintln(tw, "linkup / peer (medians)\trun\tdelivered/s\tdelivery p50\tp99\tack p50\tack p99\tRSS/conn\tserver CPU\t")
			header = true
		}
		l, p := mediansOf(lg), mediansOf(groups[key])
		fmt.Fprintf(tw, "linkup / %s\t%s\t", key.target, key.shape)
		for _, c := range []int{colDelivered, colDelP50, colDelP99, colAckP50, colAckP99, colRSS, colCPU} {
			fmt.Fprintf(tw, "%s\t", ratio(l[c], p[c]))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// ratio formats a / b, or "-" when either is 0 (not measured).
func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// groupKey is one row of the summary: a target and a run shape.
type groupKey struct{ target, shape string }

// readSummaries parses every line that is a JSON object with a scenario;
// other lines are skipped.
func readSummaries(in io.Reader) (map[groupKey][]Summary, []groupKey, error) {
	groups := map[groupKey][]Summary{}
	var order []groupKey
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
		key := groupKey{target: s.Config.target(), shape: shapeOf(s)}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], s)
	}
	sortByShape(order)
	return groups, order, sc.Err()
}

// sortByShape puts the rows of one shape together, in the order the
// shapes first appeared, linkup's row first.
func sortByShape(order []groupKey) {
	first := map[string]int{}
	for i, k := range order {
		if _, ok := first[k.shape]; !ok {
			first[k.shape] = i
		}
	}
	slices.SortStableFunc(order, func(a, b groupKey) int {
		if d := first[a.shape] - first[b.shape]; d != 0 {
			return d
		}
		return cmpBool(b.target == targetLinkup, a.target == targetLinkup)
	})
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
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
