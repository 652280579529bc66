package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"golang.org/x/sys/unix"
)

// TestDiskFullIsAnOutageNotALoss fills the disk for real, as far as the
// server can tell: the running server's file-size limit (RLIMIT_FSIZE, set
// from outside with prlimit) is lowered just above its files' sizes, so
// every write past that point fails in the kernel (EFBIG, which SQLite
// reports as a full disk). While the disk is full, sends get `unavailable`
// (never a false ack), ping and get_connection_status keep answering, and
// the connection stays open. Once space is back (the limit raised), the
// refused sends are retried with their client_msg_ids and stored once each,
// the outage is in the log as ErrorRecorded(store_unavailable), every
// acknowledged message is there exactly once with seq gap-free, SIGTERM
// still exits cleanly, and the projections (whose read model hit the same
// full disk) have caught up with the log.
//
// The store's WAL is written ahead as zeros (--wal-checkpoint-pages), so
// commits overwrite it and a full disk shows first where a file must
// grow: the database at a checkpoint, then the WAL once checkpoints fail.
// The test keeps that WAL small (64 pages) so the disk fills within a few
// hundred 8 KB messages, and lifts the rate limits, which it does not test.
func TestDiskFullIsAnOutageNotALoss(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir, "--wal-checkpoint-pages", "64", "--rate-messages", "100000", "--rate-frames", "100000")
	alice := dial(t, p.url(), tokenFor(t, dir, "alice"))
	if f := request(t, alice, map[string]any{"type": "create_chat", "chat_id": "c1", "title": "disk"}); f.Type != "ack" {
		t.Fatalf("create_chat: %s", f.Raw)
	}
	body := strings.Repeat("x", 8000)
	send := func(i int) client.Frame {
		return request(t, alice, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": fmt.Sprint(i), "body": body})
	}
	setFileLimit(t, p.cmd.Process.Pid, largestFile(t, dir)+256<<10)
	acked, refused := map[int]uint64{}, []int{}
	for i := 1; i <= 400 && len(refused) < 3; i++ {
		switch f := send(i); {
		case f.Type == "ack":
			acked[i] = uint64(f.Num("seq"))
		case f.Type == "error" && f.Str("code") == "unavailable":
			refused = append(refused, i)
		default:
			t.Fatalf("send %d while the disk fills: %s", i, f.Raw)
		}
	}
	if len(refused) == 0 {
		t.Fatalf("400 sends of 8 KB never hit the full disk (%d acked)", len(acked))
	}
	for _, typ := range []string{"ping", "get_connection_status"} {
		start := time.Now()
		if f := request(t, alice, map[string]any{"type": typ}); f.Type == "error" {
			t.Fatalf("%s on a full disk: %s", typ, f.Raw)
		}
		t.Logf("%s answered in %v on a full disk", typ, time.Since(start))
	}
	setFileLimit(t, p.cmd.Process.Pid, unix.RLIM_INFINITY)
	for _, i := range refused {
		acked[i] = retryUntilAcked(t, send, i)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after the outage; logs:\n%s", code, p.logs)
	}
	checkAckedOnce(t, dir, acked)
	checkProjectionsAtHead(t, dir)
	if n := countErrors(t, dir, "store_unavailable"); n == 0 {
		t.Fatalf("the outage is not in the log as ErrorRecorded(store_unavailable); logs:\n%s", p.logs)
	}
	t.Logf("%d acked before the disk filled, %d refused then stored after", len(acked)-len(refused), len(refused))
}

// setFileLimit sets pid's soft RLIMIT_FSIZE to n bytes (the hard limit stays,
// so the soft one can be raised again).
func setFileLimit(t *testing.T, pid int, n uint64) {
	t.Helper()
	var cur unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, nil, &cur); err != nil {
		t.Skipf("prlimit is not permitted here (%v): no real full-disk test", err)
	}
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: min(n, cur.Max), Max: cur.Max}, nil); err != nil {
		t.Fatal(err)
	}
}

func largestFile(t *testing.T, dir string) uint64 {
	t.Helper()
	var most int64
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if fi, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && fi.Mode().IsRegular() {
			most = max(most, fi.Size())
		}
	}
	return uint64(most)
}

// retryUntilAcked resends client_msg_id i (as a client would after
// `unavailable`) until it is acknowledged, for at most 30 s.
func retryUntilAcked(t *testing.T, send func(int) client.Frame, i int) uint64 {
	t.Helper()
	var f client.Frame
	if !poll.Within(30*time.Second, func() bool { f = send(i); return f.Type == "ack" }) {
		t.Fatalf("send %d still refused 30 s after space came back: %s", i, f.Raw)
	}
	return uint64(f.Num("seq"))
}

// checkAckedOnce reads the chat's log: every acked client_msg_id is stored
// exactly once at its acked seq, and seqs run 1..n without a gap.
func checkAckedOnce(t *testing.T, dir string, acked map[int]uint64) {
	t.Helper()
	bySeq, byID := map[uint64]string{}, map[string]int{}
	for _, ev := range chatMessages(t, dir, "c1") {
		bySeq[ev.Seq] = ev.ClientMsgID
		byID[ev.ClientMsgID]++
	}
	for seq := uint64(1); seq <= uint64(len(bySeq)); seq++ {
		if _, ok := bySeq[seq]; !ok {
			t.Fatalf("seq %d missing of %d", seq, len(bySeq))
		}
	}
	for i, seq := range acked {
		if id := fmt.Sprint(i); byID[id] != 1 || bySeq[seq] != id {
			t.Fatalf("acked send %d (seq %d) is stored %d times, seq %d holds %q", i, seq, byID[id], seq, bySeq[seq])
		}
	}
}

func chatMessages(t *testing.T, dir, chat string) []events.MessagePosted {
	t.Helper()
	var out []events.MessagePosted
	for _, ev := range readEvents(t, dir) {
		if m, ok := ev.(events.MessagePosted); ok && m.ChatID == chat {
			out = append(out, m)
		}
	}
	return out
}

func countErrors(t *testing.T, dir, typ string) int {
	t.Helper()
	n := 0
	for _, ev := range readEvents(t, dir) {
		if e, ok := ev.(events.ErrorRecorded); ok && e.ErrorType == typ {
			n++
		}
	}
	return n
}

// readEvents decodes every event of dir's store, read-only.
func readEvents(t *testing.T, dir string) []events.Event {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []events.Event
	for rec, err := range st.ReadAll(context.Background(), events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if ev, err := events.Decode(rec); err == nil {
			out = append(out, ev)
		}
	}
	return out
}

// checkProjectionsAtHead runs `linkup projections status` and fails unless
// every projection's checkpoint is the log's head.
func checkProjectionsAtHead(t *testing.T, dir string) {
	t.Helper()
	code, out, stderr := runCLI("projections", "status", "--data", dir)
	if code != 0 {
		t.Fatalf("projections status: exit %d: %s", code, stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if f := strings.Fields(line); len(f) < 3 || f[1] != f[2] {
			t.Fatalf("a projection is behind the log after the outage:\n%s", out)
		}
	}
}

// TestServeRefusesNegativeWALPages: the real binary, one line naming the
// flag, exit 1, before the store is opened.
func TestServeRefusesNegativeWALPages(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "serve", "--data", dir, "--addr", "127.0.0.1:0", "--wal-checkpoint-pages", "-5")
	cmd.Env = append(os.Environ(), "LINKUP_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if cmd.ProcessState.ExitCode() != 1 || len(lines) != 1 || !strings.Contains(lines[0], "--wal-checkpoint-pages") {
		t.Fatalf("exit %v, want 1 with one line naming --wal-checkpoint-pages; output:\n%s", err, out)
	}
	if _, err := os.Stat(embedded.Path(dir)); !os.IsNotExist(err) {
		t.Fatalf("the store was created before the flag was checked: %v", err)
	}
}
