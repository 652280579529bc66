package projections

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/protocol"
)

// queryRows are written straight through a Tx: times with nanoseconds,
// identifiers whose byte order differs from dictionary order.
var queryRows = []ErrorRow{
	{ID: 3, ErrorType: "invalid_payload", Severity: "low", User: "bob", ConnectionID: "k1", At: t0.Add(1)},
	{ID: 5, ErrorType: "invalid_payload", Severity: "high", User: "Bob", ConnectionID: "k2", At: t0.Add(999)},
	{ID: 8, ErrorType: "unknown_type", Severity: "low", User: "bob", ConnectionID: "k1", At: t0.Add(time.Microsecond + 500)},
	{ID: 9, ErrorType: "invalid_payload", Severity: "low", User: "bob", ConnectionID: "k1", At: t0.Add(time.Hour)},
	{ID: 12, ErrorType: "invalid_payload", Severity: "low", User: "alice", ConnectionID: "", At: t0.Add(2*time.Hour + time.Nanosecond),
		Message: "héllo \u2028", Context: map[string]any{"nested": map[string]any{"n": 1.5}, "list": []any{"a", true}}},
}

func writeQueryRows(t *testing.T, rm ReadModel) {
	t.Helper()
	tx, err := rm.Begin(context.Background(), NameErrors, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, r := range queryRows {
		if err := tx.InsertError(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tx, err = rm.Begin(context.Background(), NameReadStates, "")
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, c := range []string{"c-a", "C-b", "c_c"} {
		if err := tx.AddChat(c, []string{"zed", "Amy", "bob"}); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetLatestSeq(c, 7); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.SetReadPointer("c-a", "bob", 3); err != nil {
		t.Fatal(err)
	}
	if seq, member, err := tx.ReadPointer("c-a", "bob"); seq != 3 || !member || err != nil {
		t.Fatalf("bob's pointer in c-a: %d %v %v", seq, member, err)
	}
	if _, member, err := tx.ReadPointer("c-a", "nobody"); member || err != nil {
		t.Fatalf("non-member: %v %v", member, err)
	}
	if err := tx.SetReadPointer("c-a", "nobody", 3); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestQueriesFilterAndPage: every filter of the query API, cursor paging
// newest first, time bounds to the nanosecond, hourly counts and read
// states, with the same answers from each read model.
func TestQueriesFilterAndPage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		rm := b.openNew(t)
		writeQueryRows(t, rm)
		ctx := context.Background()
		ids := func(q protocol.ErrorQuery) string {
			t.Helper()
			page, err := rm.Errors(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range page.Items {
				out = append(out, r.ID)
			}
			next := "0"
			if page.NextCursor != nil {
				next = *page.NextCursor
			}
			return fmt.Sprint(out, " ", next)
		}
		for _, c := range []struct {
			q    protocol.ErrorQuery
			want string
		}{
			{protocol.ErrorQuery{}, "[12 9 8 5 3] 0"},
			{protocol.ErrorQuery{ErrorType: "invalid_payload"}, "[12 9 5 3] 0"},
			{protocol.ErrorQuery{Severity: "high"}, "[5] 0"},
			{protocol.ErrorQuery{User: "bob"}, "[9 8 3] 0"},
			{protocol.ErrorQuery{User: "Bob"}, "[5] 0"},
			{protocol.ErrorQuery{ConnectionID: "k1", ErrorType: "invalid_payload"}, "[9 3] 0"},
			{protocol.ErrorQuery{ConnectionID: ""}, "[12 9 8 5 3] 0"},
			{protocol.ErrorQuery{Limit: 2}, "[12 9] 9"},
			{protocol.ErrorQuery{Limit: 2, Cursor: 9}, "[8 5] 5"},
			{protocol.ErrorQuery{Limit: 2, Cursor: 5}, "[3] 0"},
			{protocol.ErrorQuery{User: "nobody\x00"}, "[] 0"},
			// Bounds: since inclusive, until exclusive, to the nanosecond.
			{protocol.ErrorQuery{Since: t0.Add(999)}, "[12 9 8 5] 0"},
			{protocol.ErrorQuery{Since: t0.Add(1000)}, "[12 9 8] 0"},
			{protocol.ErrorQuery{Until: t0.Add(999)}, "[3] 0"},
			{protocol.ErrorQuery{Until: t0.Add(1000)}, "[5 3] 0"},
			{protocol.ErrorQuery{Since: t0.Add(time.Microsecond + 500), Until: t0.Add(time.Microsecond + 501)}, "[8] 0"},
			{protocol.ErrorQuery{Since: t0.Add(time.Microsecond + 501)}, "[12 9] 0"},
			{protocol.ErrorQuery{Since: t0.Add(2*time.Hour + 1), Until: t0.Add(3 * time.Hour)}, "[12] 0"},
			{protocol.ErrorQuery{Since: t0.Add(2*time.Hour + 2)}, "[] 0"},
			{protocol.ErrorQuery{ErrorType: "invalid_payload", User: "bob", Since: t0, Until: t0.Add(time.Hour)}, "[3] 0"},
		} {
			if got := ids(c.q); got != c.want {
				t.Errorf("%+v: %s, want %s", c.q, got, c.want)
			}
		}
		page, err := rm.Errors(ctx, protocol.ErrorQuery{User: "alice"})
		if err != nil || len(page.Items) != 1 {
			t.Fatal(page, err)
		}
		got, want := page.Items[0], queryRows[4]
		if !got.At.Equal(want.At) || got.At.Location() != time.UTC || got.Message != want.Message || fmt.Sprint(got.Context) != fmt.Sprint(want.Context) {
			t.Errorf("row read back as %+v, want %+v", got, want)
		}

		counts, err := rm.ErrorCounts(ctx, protocol.ErrorCountQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if s := fmt.Sprint(counts); s != fmt.Sprint([]protocol.ErrorCount{
			{Hour: t0.Truncate(time.Hour), ErrorType: "invalid_payload", Count: 2}, {Hour: t0.Truncate(time.Hour), ErrorType: "unknown_type", Count: 1},
			{Hour: t0.Truncate(time.Hour).Add(time.Hour), ErrorType: "invalid_payload", Count: 1}, {Hour: t0.Truncate(time.Hour).Add(2 * time.Hour), ErrorType: "invalid_payload", Count: 1},
		}) {
			t.Errorf("counts %s", s)
		}
		hour := t0.Truncate(time.Hour).Add(time.Hour)
		for _, c := range []struct {
			q    protocol.ErrorCountQuery
			want int
		}{
			{protocol.ErrorCountQuery{ErrorType: "unknown_type"}, 1},
			{protocol.ErrorCountQuery{Since: hour.Add(-time.Nanosecond)}, 4}, // since is truncated to its hour
			{protocol.ErrorCountQuery{Since: hour}, 2},
			{protocol.ErrorCountQuery{Until: hour}, 2},
			{protocol.ErrorCountQuery{Until: hour.Add(time.Nanosecond)}, 3},
		} {
			got, err := rm.ErrorCounts(ctx, c.q)
			if err != nil || len(got) != c.want {
				t.Errorf("%+v: %d counts (%v), want %d", c.q, len(got), err, c.want)
			}
		}

		byUser, err := rm.ReadStates(ctx, protocol.ReadStateQuery{User: "bob"})
		if err != nil {
			t.Fatal(err)
		}
		if s := fmt.Sprint(byUser); s != "[{bob C-b 0 7 7} {bob c-a 3 7 4} {bob c_c 0 7 7}]" {
			t.Errorf("bob's read states %s", s)
		}
		byChat, err := rm.ReadStates(ctx, protocol.ReadStateQuery{Chat: "c-a"})
		if err != nil {
			t.Fatal(err)
		}
		var users []string
		for _, s := range byChat {
			users = append(users, s.User)
		}
		if !slices.Equal(users, []string{"Amy", "bob", "zed"}) {
			t.Errorf("chat c-a users %v", users)
		}
		if _, err := rm.ReadStates(ctx, protocol.ReadStateQuery{}); err == nil {
			t.Error("read-state query without user or chat accepted")
		}
	})
}
