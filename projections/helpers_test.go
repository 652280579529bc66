package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/prometheus/client_golang/prometheus"
)

func openStore(t testing.TB, dir string) *embedded.Store {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openRM(t testing.TB, dir string) *SQLite {
	t.Helper()
	rm, err := OpenSQLite(SQLiteConfig{Path: filepath.Join(dir, "readmodel.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.Close() })
	return rm
}

func appendEv(t testing.TB, st events.Store, stream string, evs ...events.Event) {
	t.Helper()
	data := make([]events.EventData, len(evs))
	for i, ev := range evs {
		data[i] = events.MustEncode(ev)
	}
	if _, err := st.Append(context.Background(), stream, events.Any(), data...); err != nil {
		t.Fatal(err)
	}
}

func appendRaw(t testing.TB, st events.Store, stream, typ, data string) {
	t.Helper()
	if _, err := st.Append(context.Background(), stream, events.Any(), events.EventData{Type: typ, Data: json.RawMessage(data)}); err != nil {
		t.Fatal(err)
	}
}

// startRunner runs a runner until the test ends and returns it.
func startRunner(t testing.TB, st events.Store, rm ReadModel, reg prometheus.Registerer) *Runner {
	t.Helper()
	r, err := NewRunner(Config{Store: st, ReadModel: rm, Registerer: reg, LagInterval: 20 * time.Millisecond, RetryDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// waitCaughtUp waits until every projection's checkpoint reaches the head.
func waitCaughtUp(t testing.TB, st events.Store, rm ReadModel) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		sts, err := Statuses(context.Background(), st, rm)
		if err != nil {
			t.Fatal(err)
		}
		done := true
		for _, s := range sts {
			done = done && s.LagEvents == 0
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("projections did not catch up: %+v", sts)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dump renders every live table of the read model (and the poison records)
// in a fixed order, one row a line, for golden comparison.
func dump(t testing.TB, rm *SQLite) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, error_type, message, severity, user, connection_id, context, at FROM error_log ORDER BY id`,
		`SELECT error_type, hour, count FROM error_hourly ORDER BY error_type, hour`,
		`SELECT chat_id, latest_seq FROM chats ORDER BY chat_id`,
		`SELECT chat_id, user, last_read_seq FROM read_states ORDER BY chat_id, user`,
		`SELECT user, chat_id, last_read_seq, latest_seq, unread FROM read_state_view ORDER BY user, chat_id`,
		`SELECT chat_id FROM delivery_chats ORDER BY chat_id`,
		`SELECT chat_id, seq, posted_at FROM delivery_items ORDER BY chat_id, seq`,
		`SELECT chat_id, user, joined_seq, left_seq FROM delivery_members ORDER BY chat_id, user, joined_seq`,
		`SELECT chat_id, user, kind, up_to, at, connection_id FROM delivery_marks ORDER BY chat_id, user, kind, up_to`,
		`SELECT name, position, stream, event_type, reason FROM projection_poison ORDER BY name, position`,
		`SELECT name, position FROM projection_checkpoints ORDER BY name`,
	} {
		fmt.Fprintf(&b, "## %s\n", q)
		dumpQuery(t, rm, &b, q)
	}
	return b.String()
}

func dumpQuery(t testing.TB, rm *SQLite, b *strings.Builder, q string) {
	rows, err := rm.reader.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteByte('\t')
			}
			fmt.Fprintf(b, "%v", v)
		}
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
