package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// chatEventsMetric counts the chat events a linkup server stored, by type
// (MessagePosted, ChatRead, MessagesDelivered, ...).
const chatEventsMetric = "linkup_chat_events_total"

// LogGrowth is how much the server's event log grew from the start of the
// traffic phase to the end of the drain: chat events by type (from
// linkup_chat_events_total) and all events appended (the sum of
// linkup_append_batch_events: connections and errors too), per unique
// message delivered to a receiver.
type LogGrowth struct {
	ChatEvents map[string]float64 `json:"chat_events"`
	Appended   float64            `json:"appended_events"`
	Deliveries uint64             `json:"unique_deliveries"`
	// Per unique delivery: every appended event, and MessagesDelivered.
	AppendedPerDelivery  float64 `json:"appended_per_delivery"`
	DeliveredPerDelivery float64 `json:"messages_delivered_per_delivery"`
}

// logCounters is one scrape of the counters LogGrowth compares.
type logCounters struct {
	chat     map[string]float64
	appended float64
	ok       bool
}

// scrapeLog reads the counters from a /metrics URL (ok false on failure:
// the figures are optional).
func scrapeLog(url string) logCounters {
	if url == "" {
		return logCounters{}
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return logCounters{}
	}
	defer resp.Body.Close()
	return parseLogCounters(io.LimitReader(resp.Body, 16<<20))
}

// parseLogCounters picks linkup_chat_events_total{type="T"} and
// linkup_append_batch_events_sum out of Prometheus text exposition.
func parseLogCounters(r io.Reader) logCounters {
	out := logCounters{chat: map[string]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		switch name := line[:sp]; {
		case strings.HasPrefix(name, chatEventsMetric+`{type="`) && strings.HasSuffix(name, `"}`):
			out.chat[strings.TrimSuffix(strings.TrimPrefix(name, chatEventsMetric+`{type="`), `"}`)] = v
			out.ok = true
		case name == "linkup_append_batch_events_sum":
			out.appended, out.ok = v, true
		}
	}
	return out
}

// logGrowthOf compares two scrapes over the unique deliveries between them; nil
// when either scrape failed.
func logGrowthOf(before, after logCounters, deliveries uint64) *LogGrowth {
	if !before.ok || !after.ok {
		return nil
	}
	g := &LogGrowth{ChatEvents: map[string]float64{}, Appended: after.appended - before.appended, Deliveries: deliveries}
	for t, v := range after.chat {
		if d := v - before.chat[t]; d > 0 {
			g.ChatEvents[t] = d
		}
	}
	if deliveries > 0 {
		g.AppendedPerDelivery = g.Appended / float64(deliveries)
		g.DeliveredPerDelivery = g.ChatEvents["MessagesDelivered"] / float64(deliveries)
	}
	return g
}

// print writes the growth line of the human summary.
func (g *LogGrowth) print(w io.Writer) {
	types := make([]string, 0, len(g.ChatEvents))
	for t := range g.ChatEvents {
		types = append(types, t)
	}
	slices.Sort(types)
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%s %.0f", t, g.ChatEvents[t])
	}
	fmt.Fprintf(w, "log growth, traffic and drain: %.0f events appended (chat events: %s) for %d unique deliveries: %.4f events per delivered message, of which MessagesDelivered %.4f\n",
		g.Appended, strings.Join(parts, ", "), g.Deliveries, g.AppendedPerDelivery, g.DeliveredPerDelivery)
}
