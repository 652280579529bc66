package transport_test

import (
	"database/sql"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	_ "modernc.org/sqlite" // to fold the write-ahead log before measuring
)

// attackFrames is how many frames each of the three attacking connections
// sends (20 a second, so the attack spans several seconds).
const attackFrames = 60

// TestErrorFloodIsBounded replays the error-log attack of issue #11 from
// three connections of one user: a sync_request naming 2,000 chats with a
// 40 KB ref (it used to record 2,000 events each carrying the ref: +145 MB
// per 59 KB frame), a sync naming 1,000 strangers' chats, a bulk receipt of
// 500 chats the user is not in, an unknown 40 KB type and a 40 KB chat id.
// The data directory grows by less than a few hundred KB (each event keeps
// at most 1 KiB of what the client sent, one frame records at most one
// event, a connection at most 10 a second plus one summary), every
// attacking frame is answered with one error frame, nobody is cut as a
// slow consumer, and another user's sends keep being acknowledged. Ack
// latency before and during the attack is logged, not asserted.
func TestErrorFloodIsBounded(t *testing.T) {
	dir := t.TempDir()
	n, st := startOn(t, dir)
	carol := n.Dial(t, "carol")
	createChat(t, carol, "work", "dave")
	before := ackLatencies(t, carol, "before", 20, 0)
	size0 := stopAndMeasure(t, n, st)
	n, st = startOn(t, dir)
	carol = n.Dial(t, "carol")
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for i := range 3 {
		c := n.Dial(t, "mallory")
		wg.Go(func() { errs <- attack(c, i) })
	}
	during := ackLatencies(t, carol, "during", 60, 50*time.Millisecond)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	settle(t, n)
	recs := storedEvents(t, n.Store, events.TypeErrorRecorded, 0)
	growth := stopAndMeasure(t, n, st) - size0
	t.Logf("data directory grew by %d KB under %d attacking frames (%d ErrorRecorded); carol's acks before: %s, during: %s",
		growth>>10, 3*attackFrames, len(recs), before, during)
	for _, rec := range recs {
		if len(rec.Data) > 3<<10 {
			t.Fatalf("an error event of %d bytes: %.300s", len(rec.Data), rec.Data)
		}
	}
	if growth > 384<<10 {
		t.Fatalf("the data directory grew by %d KB", growth>>10)
	}
}

// startOn runs a node on the embedded store in dir.
func startOn(t *testing.T, dir string) (*testnode.Node, *embedded.Store) {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return testnode.Start(t, testnode.Options{Dir: dir, Store: st}), st
}

// stopAndMeasure stops the node, closes its store, folds SQLite's
// write-ahead log into the database and returns the data directory's size:
// what the log keeps, not the write-ahead log's pages, which are reused
// (the log grows by one WAL page set per commit up to its checkpoint).
func stopAndMeasure(t *testing.T, n *testnode.Node, st *embedded.Store) int64 {
	t.Helper()
	n.Stop()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(n.Dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	return dirSize(t, n.Dir)
}

// attackFrame is frame i of the attack, in turn each kind of bad frame.
func attackFrame(i int) (map[string]any, string) {
	switch i % 5 {
	case 0: // the frame of the report: 2,000 chats, a 40 KB ref (about 59 KB)
		pos := map[string]int{}
		for j := range 2000 {
			pos[fmt.Sprintf("s%04d", j)] = 0
		}
		return map[string]any{"type": "sync_request", "ref": strings.Repeat("A", 40<<10), "positions": pos}, "invalid_payload"
	case 1: // within every limit: 1,000 chats of other people
		pos := map[string]int{}
		for j := range 1000 {
			pos[fmt.Sprintf("stranger-chat-%026d", j)] = 0
		}
		return map[string]any{"type": "sync_request", "ref": strings.Repeat("R", 128), "positions": pos}, "not_member"
	case 2:
		rs := make([]map[string]any, 500)
		for j := range rs {
			rs[j] = map[string]any{"chat_id": fmt.Sprintf("%090d", j), "seq": 1}
		}
		return map[string]any{"type": "bulk_read_receipt", "ref": fmt.Sprint("b", i), "receipts": rs}, "ack"
	case 3:
		return map[string]any{"type": strings.Repeat("T", 40<<10), "ref": fmt.Sprint("t", i)}, "unknown_type"
	default:
		return map[string]any{"type": "send_message", "ref": fmt.Sprint("m", i), "chat_id": strings.Repeat("C", 40<<10), "client_msg_id": "x", "body": "x"}, "invalid_payload"
	}
}

// attack sends attackFrames bad frames and checks that each gets exactly
// one answer of the expected kind and that the connection stays.
func attack(c *client.Client, who int) error {
	want := map[string]int{}
	done := make(chan error, 1)
	go func() { done <- readAnswers(c, want) }()
	for i := range attackFrames {
		f, answer := attackFrame(i + who)
		want[answer]++
		if answer == "not_member" {
			want["sync_complete"]++ // the rest of the sync goes on
		}
		if err := c.Send(f); err != nil {
			return err
		}
		// The attack is paced on purpose: spread over seconds, it meets the
		// per-connection cap of error events a second and carol's sends.
		time.Sleep(50 * time.Millisecond)
	}
	_ = c.Send(map[string]any{"type": "ping", "ref": "end"})
	return <-done
}

// readAnswers counts the answers until they match want (complete once the
// final pong is read: the sender fills it before sending the ping; bulk
// acks may come after the pong, as their chats answer).
func readAnswers(c *client.Client, want map[string]int) error {
	got, ended := map[string]int{}, false
	for !ended || !maps.Equal(got, want) {
		f, err := c.Next(30 * time.Second)
		if err != nil {
			return fmt.Errorf("attacker's connection: %v (answers %v, want %v)", err, got, want)
		}
		switch {
		case f.Type == "pong" && f.Ref() == "end":
			ended = true
		case f.Type == "error":
			got[f.Str("code")]++
			if ids, _ := f.Fields["chat_ids"].([]any); f.Str("code") == "not_member" && len(ids) != 1000 {
				return fmt.Errorf("not_member listing %d chats, want 1000", len(ids))
			}
		case f.Type == "ack" || f.Type == "sync_complete":
			got[f.Type]++
		default:
			return fmt.Errorf("unexpected frame %.200s", f.Raw)
		}
	}
	return nil
}

// ackLatencies sends count messages, one every gap, and summarizes the
// time each took to be acknowledged.
func ackLatencies(t *testing.T, c *client.Client, label string, count int, gap time.Duration) string {
	t.Helper()
	var ds []time.Duration
	for i := range count {
		start := time.Now()
		sendMsg(t, c, "work", fmt.Sprint(label, i), "hello")
		ds = append(ds, time.Since(start))
		time.Sleep(gap) // pacing, on purpose: the sends span the attack

	}
	slices.Sort(ds)
	return fmt.Sprintf("p50 %v max %v", ds[len(ds)/2].Round(100*time.Microsecond), ds[len(ds)-1].Round(100*time.Microsecond))
}

// settle waits until the node has written everything it accepted: the
// writer's queue is empty and no event arrived for half a second (the
// summaries of suppressed errors come a second after the fact).
func settle(t *testing.T, n *testnode.Node) {
	t.Helper()
	last, since := -1, time.Now()
	poll.Until(t, 20*time.Second, "the node settled", func() bool {
		count := len(storedEvents(t, n.Store, events.TypeErrorRecorded, 0))
		if count != last || limitMetric(t, n.Reg, "linkup_writer_queue", "", "") > 0 {
			last, since = count, time.Now()
		}
		return time.Since(since) > 1500*time.Millisecond
	})
}

// dirSize is the bytes of every file under dir.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			total += info.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return total
}
