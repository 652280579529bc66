//go:build linux

package reliability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
)

// chatLog is the busy chat's messages as the PostgreSQL log holds them.
type chatLog struct {
	bySeq  map[uint64][]string // seq -> client_msg_ids stored at it (more than one: a fork)
	byCmid map[string][]uint64 // client_msg_id -> seqs it is stored at (more than one: stored twice)
	byNode map[string]int      // node that appended -> messages
	head   uint64
}

// readChatLog reads the busy chat's stream from PostgreSQL, read-only.
func (c *testCluster) readChatLog() chatLog {
	c.t.Helper()
	ctx := context.Background()
	st, err := postgres.Open(ctx, postgres.Config{URL: c.pgTest, ReadOnly: true})
	if err != nil {
		c.t.Fatalf("open the log: %v", err)
	}
	defer st.Close()
	lg := chatLog{bySeq: map[uint64][]string{}, byCmid: map[string][]uint64{}, byNode: map[string]int{}}
	for rec, err := range st.ReadStream(ctx, events.ChatStream(clusterChat), events.ReadStreamOptions{}) {
		if err != nil {
			c.t.Fatalf("read the chat stream: %v", err)
		}
		if rec.Type != events.TypeMessagePosted {
			continue
		}
		var m events.MessagePosted
		if err := json.Unmarshal(rec.Data, &m); err != nil {
			c.t.Fatal(err)
		}
		lg.bySeq[m.Seq] = append(lg.bySeq[m.Seq], m.ClientMsgID)
		lg.byCmid[m.ClientMsgID] = append(lg.byCmid[m.ClientMsgID], m.Seq)
		lg.byNode[rec.Metadata.Node]++
		lg.head = max(lg.head, m.Seq)
	}
	return lg
}

// head is the busy chat's latest seq in the log.
func (c *testCluster) head() uint64 { return c.readChatLog().head }

// checkLog asserts what every cluster test promises, against the log and
// against what each device saw: seq 1..head with no gap; no seq forked
// (two messages at one seq); no message stored twice (one client_msg_id
// at two seqs); every acknowledged message stored once, at the seq its ack
// named; every item a device holds is the log's item at that seq; and no
// device saw a promise broken on its connections (device.violations).
// It logs who appended how much, for the report.
func (c *testCluster) checkLog(devs []*device) chatLog {
	c.t.Helper()
	lg := c.readChatLog()
	var problems []string
	bad := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	for seq := uint64(1); seq <= lg.head; seq++ {
		switch ids := lg.bySeq[seq]; {
		case len(ids) == 0:
			bad("seq %d missing of 1..%d: a gap", seq, lg.head)
		case len(ids) > 1:
			bad("seq %d forked: %v", seq, ids)
		}
	}
	for id, seqs := range lg.byCmid {
		if len(seqs) > 1 {
			bad("%s stored %d times, at seqs %v", id, len(seqs), seqs)
		}
	}
	acked := 0
	for _, d := range devs {
		for id, seq := range d.acked {
			acked++
			if seqs := lg.byCmid[id]; len(seqs) == 0 || seqs[0] != seq {
				bad("%s acknowledged at seq %d, in the log at %v", id, seq, seqs)
			}
		}
		for seq, id := range d.have {
			if ids := lg.bySeq[seq]; len(ids) == 0 || ids[0] != id {
				bad("%s holds %q at seq %d, the log %v", d.name, id, seq, ids)
			}
		}
		for _, v := range d.violations {
			bad("%s: %s", d.name, v)
		}
	}
	for _, p := range problems {
		c.t.Error(p)
	}
	c.t.Logf("log: %d messages (%d acknowledged), appended by node %v", lg.head, acked, lg.byNode)
	return lg
}

// summary logs each device's connections, nodes and resends, sorted.
func summary(t *testing.T, devs []*device) {
	t.Helper()
	sorted := append([]*device(nil), devs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, d := range sorted {
		t.Logf("%s: writer %v, sent %d, acked %d, holds 1..%d, connections %d on nodes %v, ended %v, force_reconnect %v, errors %v",
			d.name, d.writer, d.sent, len(d.acked), d.pos, d.conns, d.nodesUsed, d.ends, d.forced, d.errs)
	}
}

// appendLockHolders describes who holds and who waits for PostgreSQL
// advisory locks in the log's database (the store's append lock is one),
// for the logs of the freeze and partition tests.
func (c *testCluster) appendLockHolders() string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.pgTest)
	if err != nil {
		return err.Error()
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT l.granted, a.pid, coalesce(a.client_port, -1), a.state, extract(epoch FROM now() - a.xact_start)::float8
		FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND a.datname = current_database() ORDER BY l.granted DESC`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var granted bool
		var pid, port int
		var state string
		var age float64
		if err := rows.Scan(&granted, &pid, &port, &state, &age); err != nil {
			return err.Error()
		}
		what := "waits for"
		if granted {
			what = "holds"
		}
		out = append(out, fmt.Sprintf("backend %d (client port %d, %s, transaction open %.1f s) %s an advisory lock", pid, port, state, age, what))
	}
	if len(out) == 0 {
		return "no advisory lock held or awaited"
	}
	return strings.Join(out, "; ")
}
