package main

import (
	"strings"
	"testing"
)

// TestLogGrowthFromTwoScrapes: the chat events by type and the appended
// events between two scrapes, per unique delivery.
func TestLogGrowthFromTwoScrapes(t *testing.T) {
	scrape := func(posted, delivered, appended string) logCounters {
		return parseLogCounters(strings.NewReader(`# HELP linkup_chat_events_total Chat events stored
linkup_chat_events_total{type="MessagePosted"} ` + posted + `
linkup_chat_events_total{type="MessagesDelivered"} ` + delivered + `
linkup_append_batch_events_bucket{le="1"} 3
linkup_append_batch_events_sum ` + appended + `
linkup_append_batch_events_count 9
`))
	}
	g := logGrowthOf(scrape("10", "0", "20"), scrape("110", "50", "190"), 400)
	if g == nil || g.ChatEvents["MessagePosted"] != 100 || g.ChatEvents["MessagesDelivered"] != 50 || g.Appended != 170 {
		t.Fatalf("growth %+v", g)
	}
	if g.AppendedPerDelivery != 170.0/400 || g.DeliveredPerDelivery != 50.0/400 {
		t.Fatalf("per delivery %v %v", g.AppendedPerDelivery, g.DeliveredPerDelivery)
	}
	if logGrowthOf(logCounters{}, scrape("1", "1", "1"), 1) != nil {
		t.Fatal("a failed scrape gave figures")
	}
	if got := string(appendDeliveryReceipt(nil, "mixed-3", 42)); got != `{"type":"delivery_receipt","ref":"d","chat_id":"mixed-3","seq":42}` {
		t.Fatal(got)
	}
}
