package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/linkup-chat/linkup/events"
)

// connect opens a plain connection for the test to poke the database with.
func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type num struct {
	G int `json:"g"`
	N int `json:"n"`
}

func evn(g, n int) events.EventData {
	b, _ := json.Marshal(num{G: g, N: n})
	return events.EventData{Type: "PgTestNumbered", Data: b}
}

func numOf(t testing.TB, rec events.RecordedEvent) num {
	t.Helper()
	var v num
	if err := json.Unmarshal(rec.Data, &v); err != nil {
		t.Fatalf("event at %d: %v", rec.Position, err)
	}
	return v
}

func readStream(t testing.TB, ctx context.Context, st events.Store, stream string) []events.RecordedEvent {
	t.Helper()
	var out []events.RecordedEvent
	for rec, err := range st.ReadStream(ctx, stream, events.ReadStreamOptions{}) {
		if err != nil {
			t.Fatalf("read %s: %v", stream, err)
		}
		out = append(out, rec)
	}
	return out
}

func readAll(t testing.TB, ctx context.Context, st events.Store, after uint64) []events.RecordedEvent {
	t.Helper()
	var out []events.RecordedEvent
	for rec, err := range st.ReadAll(ctx, events.ReadAllOptions{After: after}) {
		if err != nil {
			t.Fatalf("read all: %v", err)
		}
		out = append(out, rec)
	}
	return out
}

// checkGapFree fails unless recs have revisions 0, 1, 2, ... and rising
// positions.
func checkGapFree(t testing.TB, stream string, recs []events.RecordedEvent) {
	t.Helper()
	for i, r := range recs {
		if r.Revision != uint64(i) {
			t.Fatalf("%s: revision %d at index %d", stream, r.Revision, i)
		}
		if i > 0 && r.Position <= recs[i-1].Position {
			t.Fatalf("%s: position %d after %d", stream, r.Position, recs[i-1].Position)
		}
	}
}

func streamName(t testing.TB, s string) string { return fmt.Sprintf("%s-%s", t.Name(), s) }
