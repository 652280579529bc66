package main

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// serverHists are the linkup server histograms a run reports over its
// traffic phase: how long a store append takes (the durable step before an
// ack and a fan-out) and how many commands and events each append carries;
// from the embedded store, appends per transaction, the transaction's
// time, its WAL checkpoints and the index entries a commit moved; and from
// the Go runtime how long goroutines waited runnable for a CPU (its
// buckets grow elevenfold: 0.9, 10.5, 117 ms).
var serverHists = []string{"go_sched_latencies_seconds", "linkup_append_latency_seconds", "linkup_chat_batch_size", "linkup_append_batch_events",
	"linkup_embedded_store_append_batch_size", "linkup_embedded_store_append_latency_seconds",
	"linkup_embedded_store_commit_seconds",
	`linkup_embedded_store_checkpoint_seconds{by="checkpointer"}`, `linkup_embedded_store_checkpoint_seconds{by="writer_tail"}`,
	`linkup_embedded_store_checkpoint_seconds{by="writer_bound"}`, `linkup_embedded_store_checkpoint_seconds{by="checkpointer_tail"}`,
	"linkup_embedded_store_index_move_entries", "linkup_embedded_store_commit_wait_seconds"}

// promHist is one Prometheus histogram as scraped: cumulative counts per
// upper bound, the sum and the count.
type promHist struct {
	les    []float64
	counts []float64
	sum    float64
	count  float64
}

// HistDelta is what a server histogram recorded between two scrapes: the
// observations, their mean, and the upper bounds of the buckets holding
// the median, the 99th and the 99.9th percentile (-1: above the largest
// bound).
type HistDelta struct {
	Count                float64 `json:"count"`
	Mean, P50, P99, P999 float64
}

// scrapeHists reads the named histograms from a /metrics URL (nil on any
// failure: the figures are optional).
func scrapeHists(url string, names []string) map[string]*promHist {
	if url == "" {
		return nil
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	return parseHists(io.LimitReader(resp.Body, 16<<20), names)
}

// parseHists picks the named histograms out of Prometheus text
// exposition: a name alone has no labels other than le; a name with one
// label, `name{label="value"}`, is that series of a labelled histogram.
func parseHists(r io.Reader, names []string) map[string]*promHist {
	out := map[string]*promHist{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		for _, n := range names {
			line, ok := seriesLine(sc.Text(), n)
			if !ok {
				continue
			}
			sp := strings.LastIndexByte(line, ' ')
			v, err := strconv.ParseFloat(line[sp+1:], 64)
			if sp < 0 || err != nil {
				continue
			}
			h := out[n]
			if h == nil {
				h = &promHist{}
				out[n] = h
			}
			base, _, _ := strings.Cut(n, "{")
			switch rest := line[len(base)+1 : sp]; {
			case strings.HasPrefix(rest, `bucket{le="`) && strings.HasSuffix(rest, `"}`):
				le, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(rest, `bucket{le="`), `"}`), 64)
				if err == nil {
					h.les, h.counts = append(h.les, le), append(h.counts, v)
				}
			case rest == "sum":
				h.sum = v
			case rest == "count":
				h.count = v
			}
		}
	}
	return out
}

// seriesLine returns line with name's label taken out (so that it reads
// as a line of an unlabelled histogram), and whether the line is of name.
func seriesLine(line, name string) (string, bool) {
	base, label, labelled := strings.Cut(name, "{")
	if !strings.HasPrefix(line, base+"_") {
		return "", false
	}
	if !labelled {
		return line, true
	}
	label = strings.TrimSuffix(label, "}")
	switch {
	case strings.Contains(line, "{"+label+","):
		return strings.Replace(line, "{"+label+",", "{", 1), true
	case strings.Contains(line, "{"+label+"}"):
		return strings.Replace(line, "{"+label+"}", "", 1), true
	}
	return "", false
}

// histDeltas returns, for each histogram in after, what it recorded since
// before; histograms with no new observations are left out.
func histDeltas(before, after map[string]*promHist) map[string]HistDelta {
	out := map[string]HistDelta{}
	for name, a := range after {
		b := before[name]
		if b == nil {
			b = &promHist{}
		}
		n := a.count - b.count
		if n <= 0 || (len(b.les) > 0 && !slices.Equal(a.les, b.les)) {
			continue
		}
		d := make([]float64, len(a.counts))
		for i := range d {
			d[i] = a.counts[i]
			if len(b.counts) > 0 {
				d[i] -= b.counts[i]
			}
		}
		out[name] = HistDelta{Count: n, Mean: (a.sum - b.sum) / n, P50: bucketQuantile(a.les, d, n, 0.5), P99: bucketQuantile(a.les, d, n, 0.99), P999: bucketQuantile(a.les, d, n, 0.999)}
	}
	return out
}

// bucketQuantile is the upper bound of the first bucket whose cumulative
// count reaches q of n; -1 when that is the +Inf bucket (JSON has no
// infinity).
func bucketQuantile(les, cum []float64, n, q float64) float64 {
	for i, c := range cum {
		if c >= q*n && !math.IsInf(les[i], 1) {
			return les[i]
		}
	}
	return -1
}
