package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
)

// environWithout returns this process's environment without variable name
// (a LINKUP_POSTGRES_URL meant for pgtest must not reach the linkup
// processes under test unless the test passes it on purpose).
func environWithout(name string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// runProc runs the linkup command as a real process (this test binary with
// LINKUP_TEST_MAIN=1) with extra environment, and returns its exit code
// and output.
func runProc(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(environWithout("LINKUP_POSTGRES_URL"), "LINKUP_TEST_MAIN=1"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// pgRecords reads every event of the PostgreSQL log at url, read-only.
func pgRecords(t *testing.T, url string) []events.RecordedEvent {
	t.Helper()
	st, err := postgres.Open(context.Background(), postgres.Config{URL: url, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []events.RecordedEvent
	for rec, err := range st.ReadAll(context.Background(), events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

func pgEvents(t *testing.T, url string) []events.Event {
	t.Helper()
	var out []events.Event
	for _, rec := range pgRecords(t, url) {
		if ev, err := events.Decode(rec); err == nil {
			out = append(out, ev)
		}
	}
	return out
}

// pgCheckAckedOnce is checkAckedOnce over the PostgreSQL log.
func pgCheckAckedOnce(t *testing.T, url, chat string, acked map[int]uint64) {
	t.Helper()
	bySeq, byID := map[uint64]string{}, map[string]int{}
	for _, ev := range pgEvents(t, url) {
		if m, ok := ev.(events.MessagePosted); ok && m.ChatID == chat {
			bySeq[m.Seq] = m.ClientMsgID
			byID[m.ClientMsgID]++
		}
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

func pgCountErrors(t *testing.T, url, typ string) int {
	t.Helper()
	n := 0
	for _, ev := range pgEvents(t, url) {
		if e, ok := ev.(events.ErrorRecorded); ok && e.ErrorType == typ {
			n++
		}
	}
	return n
}

// checkNoSecret fails if secret appears in the logs or in any event of the
// log (type, data or metadata).
func checkNoSecret(t *testing.T, url, secret, logs string) {
	t.Helper()
	if strings.Contains(logs, secret) {
		t.Fatalf("the PostgreSQL password is in the server's logs:\n%s", logs)
	}
	for _, rec := range pgRecords(t, url) {
		if strings.Contains(string(rec.Data), secret) || strings.Contains(rec.Type, secret) ||
			strings.Contains(rec.Metadata.Node+rec.Metadata.CausationID+rec.Metadata.CorrelationID, secret) {
			t.Fatalf("the PostgreSQL password is in event %d (%s): %s", rec.Position, rec.Type, rec.Data)
		}
	}
}
