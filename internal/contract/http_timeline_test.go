package contract

import (
	"encoding/json"
	"net/url"
	"strconv"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// timelineEvent is what the timeline cases read from an item of
// GET /v1/timeline (a `replay timeline --format jsonl` object).
type timelineEvent struct {
	Position uint64 `json:"position"`
	Type     string `json:"type"`
	ID       string `json:"id"`
	Metadata struct {
		CorrelationID string `json:"correlation_id"`
	} `json:"metadata"`
	Data struct {
		ConnectionID string `json:"connection_id"`
	} `json:"data"`
}

// timelineCases are the requests to /v1/timeline and /v1/timeline/chain,
// built from the log makeTraffic left: the edit's position, id and
// correlation id, and a connection that opened. Each filter, paging with
// and without a next cursor, an empty page, and every refusal.
func timelineCases(t *testing.T, base, analyst, plain string) []httpCase {
	t.Helper()
	status, body := testnode.Get(t, base+"/v1/timeline?limit=1000", analyst)
	var page struct {
		Items []timelineEvent `json:"items"`
	}
	if err := json.Unmarshal(body, &page); status != 200 || err != nil {
		t.Fatalf("GET /v1/timeline: %d %v: %s", status, err, body)
	}
	edit, conn := findEvent(page.Items, events.TypeMessageEdited), findEvent(page.Items, events.TypeConnectionOpened)
	if edit.Metadata.CorrelationID == "" || conn.Data.ConnectionID == "" {
		t.Fatalf("the log lacks an edit with a correlation id or an opened connection: %s", body)
	}
	checkTimelineFilled(t, base, analyst, edit)
	pos := func(p uint64) string { return strconv.FormatUint(p, 10) }
	corr, id, cid := url.QueryEscape(edit.Metadata.CorrelationID), url.QueryEscape(edit.ID), url.QueryEscape(conn.Data.ConnectionID)
	tl, ch := "/v1/timeline", "/v1/timeline/chain"
	return []httpCase{
		{"GET", tl, tl, analyst, "", 200},
		{"GET", tl + "?chat=ops&limit=2", tl, analyst, "", 200},
		{"GET", tl + "?chat=ops&cursor=" + pos(edit.Position-1) + "&limit=1000", tl, analyst, "", 200},
		{"GET", tl + "?cursor=0&type=MessageEdited,MessagesDelivered&user=bob", tl, analyst, "", 200},
		{"GET", tl + "?correlation=" + corr, tl, analyst, "", 200},
		{"GET", tl + "?connection=" + cid, tl, analyst, "", 200},
		{"GET", tl + "?since=2020-01-01T00:00:00Z&until=2099-01-01T00:00:00Z", tl, analyst, "", 200},
		{"GET", tl + "?until=2020-01-01T00:00:00Z", tl, analyst, "", 200},
		{"GET", tl + "?type=Teleported", tl, analyst, "", 400},
		{"GET", tl + "?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", tl, analyst, "", 400},
		{"GET", tl + "?since=2999-01-01T00:00:00Z", tl, analyst, "", 400},
		{"GET", tl + "?limit=0", tl, analyst, "", 400},
		{"GET", tl + "?cursor=-1", tl, analyst, "", 400},
		{"GET", tl + "?connection_id=" + cid, tl, analyst, "", 400},
		{"GET", tl + "?chat=nope", tl, analyst, "", 404},
		{"GET", tl + "?connection=nope", tl, analyst, "", 404},
		{"GET", tl, tl, "", "", 401},
		{"GET", tl, tl, plain, "", 403},
		{"GET", ch + "?position=" + pos(edit.Position), ch, analyst, "", 200},
		{"GET", ch + "?event=" + id, ch, analyst, "", 200},
		{"GET", ch + "?correlation=" + corr, ch, analyst, "", 200},
		{"GET", ch + "?position=" + pos(conn.Position), ch, analyst, "", 200},
		{"GET", ch, ch, analyst, "", 400},
		{"GET", ch + "?position=1&event=" + id, ch, analyst, "", 400},
		{"GET", ch + "?position=0", ch, analyst, "", 400},
		{"GET", ch + "?position=999999", ch, analyst, "", 404},
		{"GET", ch + "?event=nope", ch, analyst, "", 404},
		{"GET", ch + "?correlation=nope", ch, analyst, "", 404},
		{"GET", ch + "?position=1", ch, "", "", 401},
		{"GET", ch + "?position=1", ch, plain, "", 403},
	}
}

// findEvent returns the first event of type typ, or the zero event.
func findEvent(items []timelineEvent, typ string) timelineEvent {
	for _, e := range items {
		if e.Type == typ {
			return e
		}
	}
	return timelineEvent{}
}

// checkTimelineFilled makes sure the answers the cases validate hold what
// the schemas must describe: a page cut by limit carries a next_cursor,
// the last page none, and the edit's chain holds the edit, with metadata.
func checkTimelineFilled(t *testing.T, base, analyst string, edit timelineEvent) {
	t.Helper()
	var first, last struct {
		Items      []timelineEvent `json:"items"`
		NextCursor *string         `json:"next_cursor"`
	}
	getJSON(t, base+"/v1/timeline?chat=ops&limit=2", analyst, &first)
	getJSON(t, base+"/v1/timeline?chat=ops&limit=1000", analyst, &last)
	if len(first.Items) != 2 || first.NextCursor == nil || last.NextCursor != nil {
		t.Fatalf("paging: limit=2 gave %d items, next_cursor %v; the full page's next_cursor %v", len(first.Items), first.NextCursor, last.NextCursor)
	}
	var chain struct {
		Root  string `json:"root"`
		Items []struct {
			Event timelineEvent `json:"event"`
		} `json:"items"`
	}
	getJSON(t, base+"/v1/timeline/chain?event="+url.QueryEscape(edit.ID), analyst, &chain)
	if chain.Root != edit.Metadata.CorrelationID || findEvent(eventsOf(chain.Items), events.TypeMessageEdited).ID != edit.ID {
		t.Fatalf("the edit's chain (root %q) does not hold the edit %+v", chain.Root, edit)
	}
}

func eventsOf(items []struct {
	Event timelineEvent `json:"event"`
}) []timelineEvent {
	out := make([]timelineEvent, len(items))
	for i, it := range items {
		out[i] = it.Event
	}
	return out
}

// getJSON GETs url with token and decodes a 200 answer into v.
func getJSON(t *testing.T, u, token string, v any) {
	t.Helper()
	status, body := testnode.Get(t, u, token)
	if err := json.Unmarshal(body, v); status != 200 || err != nil {
		t.Fatalf("GET %s: %d %v: %s", u, status, err, body)
	}
}
