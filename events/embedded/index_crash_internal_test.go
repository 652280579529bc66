package embedded

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

const moveCrashEnv = "LINKUP_EMBEDDED_MOVE_CRASH" // "<phase>:<dir>"

// moveStreams is how many streams the move crash test appends to, round
// robin, so that an index move's key order is not position order.
const moveStreams = 5

// TestMoveCrashChild is the child of TestCrashMidMove: it appends one event
// at a time with AppendAsync and prints the number of each acknowledged
// append, until its writer has committed part of an index move's phase
// (copy: stream entries, type: type entries). Then it prints "stop" and holds the writer in
// the callback, so that the database stays as that commit left it, until
// it is killed.
func TestMoveCrashChild(t *testing.T) {
	phase, dir, ok := strings.Cut(os.Getenv(moveCrashEnv), ":")
	if !ok {
		t.Skip("runs only as the child of TestCrashMidMove")
	}
	st, err := Open(Config{Dir: dir, PreallocateWAL: true})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	next := make(chan int, 1)
	next <- 0
	for n := range next {
		d := events.EventData{Type: "Num", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}
		err := st.AppendAsync(fmt.Sprintf("chat-%d", n%moveStreams), events.Any(), []events.EventData{d}, func(_ events.AppendResult, err error) {
			if err != nil {
				fmt.Println("append:", err)
				os.Exit(2)
			}
			fmt.Println(n)
			if midMove(st.w.idx, phase) {
				fmt.Println("stop")
				time.Sleep(time.Hour) // the writer's goroutine: no more commits
			}
			next <- n + 1
		})
		if err != nil {
			fmt.Println("append:", err)
			os.Exit(2)
		}
	}
}

// midMove reports whether the committed state is in the middle of phase.
func midMove(m *mover, phase string) bool {
	switch {
	case m.moving == nil:
		return false
	case phase == "copy":
		return m.copied > 0 && m.copied < len(m.moving)
	default:
		return m.typed > 0 && m.typed < len(m.moving)
	}
}

// TestCrashMidMove kills (SIGKILL) a process whose last commit left an
// index move half done, in its stream phase (events both in stream_index
// and past the watermark) and in its type phase. After reopening, every
// acknowledged event reads back once and in order, by stream and by type,
// and the writer makes the move again and finishes it: the entries copied
// before the crash are skipped, and then every event is either indexed
// (in both indexes) or past the watermark, not both.
func TestCrashMidMove(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	for _, phase := range []string{"copy", "type"} {
		t.Run(phase, func(t *testing.T) {
			dir := t.TempDir()
			acked := runMoveChild(t, phase, dir)
			st, err := Open(Config{Dir: dir, PageSize: 97}) // reads cross pages
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if ix, tail := indexCounts(t, st); ix+tail <= acked {
				t.Fatalf("after the kill: %d index and %d tail entries for %d events, want a move half done", ix, tail, acked)
			}
			checkMoveStreams(t, st, acked)
			checkMoveTypes(t, st, acked)
			total := finishMove(t, st, acked)
			if ix, tail := indexCounts(t, st); ix+tail != total {
				t.Fatalf("after the move: %d index and %d tail entries for %d events", ix, tail, total)
			}
			if ty, tail := typeCounts(t, st); ty+tail != total {
				t.Fatalf("after the move: %d type index and %d tail entries for %d events", ty, tail, total)
			}
			checkMoveStreams(t, st, total)
			checkMoveTypes(t, st, total)
		})
	}
}

// runMoveChild runs the child until it says "stop", kills it and returns
// how many appends it saw acknowledged.
func runMoveChild(t *testing.T, phase, dir string) int {
	cmd := exec.Command(os.Args[0], "-test.run=^TestMoveCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), moveCrashEnv+"="+phase+":"+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	timeout := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timeout.Stop()
	acked := 0
	for sc := bufio.NewScanner(out); sc.Scan(); {
		if sc.Text() == "stop" {
			cmd.Process.Kill() // SIGKILL
			return acked
		}
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("child said %q", sc.Text())
		}
		acked = n + 1
	}
	t.Fatalf("child ended after %d appends without reaching the middle of a move", acked)
	return 0
}

// finishMove appends one event at a time, from event n on, until a move
// has run to its end (the watermark has moved), and returns the events
// then stored. The move's steps may run between the appends (idle.go), so
// it reads the watermark as committed, not the writer's mover.
func finishMove(t *testing.T, st *Store, n int) int {
	mark := st.w.marked.Load()
	for ; n < 10*indexLag; n++ {
		d := events.EventData{Type: "Num", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}
		if _, err := st.Append(context.Background(), fmt.Sprintf("chat-%d", n%moveStreams), events.Any(), d); err != nil {
			t.Fatal(err)
		}
		if st.w.marked.Load() > mark {
			return n + 1
		}
	}
	t.Fatalf("no index move finished within %d events", n)
	return 0
}

// tailCountSQL counts the events past the indexed watermark.
const tailCountSQL = "(SELECT COUNT(*) FROM events WHERE position > (SELECT position FROM indexed))"

func indexCounts(t *testing.T, st *Store) (index, tail int) {
	t.Helper()
	err := st.rdb.QueryRow("SELECT (SELECT COUNT(*) FROM stream_index), "+tailCountSQL).Scan(&index, &tail)
	if err != nil {
		t.Fatal(err)
	}
	return index, tail
}

func typeCounts(t *testing.T, st *Store) (types, tail int) {
	t.Helper()
	err := st.rdb.QueryRow("SELECT (SELECT COUNT(*) FROM type_index), "+tailCountSQL).Scan(&types, &tail)
	if err != nil {
		t.Fatal(err)
	}
	return types, tail
}

// checkMoveTypes reads the log by type, Num (every event) and one no
// event has: events 0 to total-1, each once, in order.
func checkMoveTypes(t *testing.T, st *Store, total int) {
	t.Helper()
	n := 0
	for rec, err := range st.ReadAll(context.Background(), events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{"None", "Num"}}}) {
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ N int }
		if err := json.Unmarshal(rec.Data, &v); err != nil {
			t.Fatal(err)
		}
		if v.N != n {
			t.Fatalf("by type: event %d is n=%d", n, v.N)
		}
		n++
	}
	if n != total {
		t.Fatalf("by type: %d events, want %d", n, total)
	}
	for _, err := range st.ReadAll(context.Background(), events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{"None"}}}) {
		t.Fatalf("by type None: an event (err %v)", err)
	}
}

// checkMoveStreams reads every stream forwards and backwards: together
// they hold events 0 to total-1, each once, in order.
func checkMoveStreams(t *testing.T, st *Store, total int) {
	t.Helper()
	for s := range moveStreams {
		for _, back := range []bool{false, true} {
			want := (total - s + moveStreams - 1) / moveStreams
			got := readNums(t, st, fmt.Sprintf("chat-%d", s), back)
			if len(got) != want {
				t.Fatalf("chat-%d (backwards %v): %d events, want %d", s, back, len(got), want)
			}
			for i, n := range got {
				rev := i
				if back {
					rev = want - 1 - i
				}
				if n != s+rev*moveStreams {
					t.Fatalf("chat-%d (backwards %v): event %d is n=%d, want %d", s, back, i, n, s+rev*moveStreams)
				}
			}
		}
	}
}

func readNums(t *testing.T, st *Store, stream string, back bool) []int {
	var ns []int
	opts := events.ReadStreamOptions{Backwards: back, FromEnd: back}
	for rec, err := range st.ReadStream(context.Background(), stream, opts) {
		if err != nil {
			t.Fatalf("%s: %v", stream, err)
		}
		var v struct{ N int }
		if err := json.Unmarshal(rec.Data, &v); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, v.N)
	}
	return ns
}

// Close in the middle of an index move finishes it: the database is left
// with every event either indexed or past the watermark, not both. The
// appends go one after another's commit in a closed loop (each callback
// queues the next), so the writer is never idle between them and the
// appends' commits do the move (busyLag); the callback that first sees a
// move half done shuts the queue, so that no idle step runs before the
// writer stops.
func TestCloseFinishesMove(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan int, 1)
	var next func(n int)
	next = func(n int) {
		d := events.EventData{Type: "Num", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}
		err := st.AppendAsync(fmt.Sprintf("chat-%d", n%moveStreams), events.Any(), []events.EventData{d}, func(_ events.AppendResult, err error) {
			switch {
			case err != nil:
				t.Error(err)
				stopped <- -1
			case midMove(st.w.idx, "copy"):
				st.w.shutdown() // on the writer's goroutine: no idle step after this commit
				stopped <- n + 1
			case n+1 >= 4*indexLag:
				stopped <- 0
			default:
				next(n + 1)
			}
		})
		if err != nil {
			t.Error(err)
			stopped <- -1
		}
	}
	next(0)
	n := <-stopped
	if n <= 0 {
		t.Fatalf("no move under way after %d appends", 4*indexLag)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(Config{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if ix, tail := indexCounts(t, ro); ix+tail != n {
		t.Fatalf("after Close: %d index and %d tail entries for %d events", ix, tail, n)
	}
	checkMoveStreams(t, ro, n)
}
