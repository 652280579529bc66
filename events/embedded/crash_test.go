package embedded_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

const crashDirEnv = "LINKUP_EMBEDDED_CRASH_DIR"

// TestCrashChild is the child of TestCrash: it appends from 8 goroutines
// and prints "g n" for each append that returned success, until killed.
// It runs as serve does (a preallocated WAL) with a small CheckpointPages,
// so that the kill may land anywhere in the checkpointer's cycle.
// Goroutines 4 to 7 use AppendAsync and print from its callback, on the
// store's writer goroutine, as soon as it reports success.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestCrash")
	}
	st, err := embedded.Open(embedded.Config{Dir: dir, PreallocateWAL: true, CheckpointPages: 128})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := 0; ; n++ {
				d := events.EventData{Type: "Num", Data: json.RawMessage(fmt.Sprintf(`{"g":%d,"n":%d}`, g, n))}
				ack := func(_ events.AppendResult, err error) {
					if err != nil {
						fmt.Println("append:", err)
						os.Exit(2)
					}
					mu.Lock()
					fmt.Printf("%d %d\n", g, n)
					mu.Unlock()
				}
				if g < 4 {
					ack(st.Append(context.Background(), fmt.Sprintf("chat-%d", g), events.Any(), d))
					continue
				}
				acked := make(chan struct{})
				err := st.AppendAsync(fmt.Sprintf("chat-%d", g), events.Any(), []events.EventData{d}, func(res events.AppendResult, err error) {
					ack(res, err)
					close(acked)
				})
				if err != nil {
					ack(events.AppendResult{}, err)
				}
				<-acked
			}
		})
	}
	wg.Wait()
}

// TestCrash kills a child process with SIGKILL while it appends; after
// reopening, every append it saw succeed is stored exactly once and every
// stream's revisions are gap-free.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := t.TempDir()
	acked := runChildUntilKilled(t, dir, 2000)
	st := open(t, embedded.Config{Dir: dir, ReadOnly: true})
	for g := range 8 {
		checkCrashStream(t, st, g, acked[g])
	}
	st.Close()
	// A writable reopen (preallocating, which must leave the crashed WAL
	// alone) sees the same.
	st = open(t, embedded.Config{Dir: dir, PreallocateWAL: true})
	defer st.Close()
	for g := range 8 {
		checkCrashStream(t, st, g, acked[g])
	}
}

// runChildUntilKilled starts the child, reads its acknowledgements until
// it has seen want of them, kills it and returns, per goroutine, how many
// appends were acknowledged.
func runChildUntilKilled(t *testing.T, dir string, want int) map[int]int {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked, seen := map[int]int{}, 0
	timeout := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timeout.Stop()
	sc := bufio.NewScanner(out)
	for seen < want && sc.Scan() {
		var g, n int
		if _, err := fmt.Sscanf(sc.Text(), "%d %d", &g, &n); err != nil {
			t.Fatalf("child said %q", sc.Text())
		}
		acked[g] = n + 1
		seen++
	}
	cmd.Process.Kill() // SIGKILL
	for sc.Scan() {
		var g, n int
		if _, err := fmt.Sscanf(sc.Text(), "%d %d", &g, &n); err == nil {
			acked[g] = n + 1
		}
	}
	cmd.Wait()
	if seen < want {
		t.Fatalf("child acknowledged only %d appends", seen)
	}
	return acked
}

func checkCrashStream(t *testing.T, st events.Store, g, acked int) {
	stream := fmt.Sprintf("chat-%d", g)
	n := 0
	for rec, err := range st.ReadStream(ctxT(t), stream, events.ReadStreamOptions{}) {
		if err != nil {
			t.Fatalf("%s: %v", stream, err)
		}
		var v struct{ G, N int }
		json.Unmarshal(rec.Data, &v)
		if rec.Revision != uint64(n) || v.N != n {
			t.Fatalf("%s: revision %d holds event %d at index %d", stream, rec.Revision, v.N, n)
		}
		n++
	}
	if n < acked {
		t.Fatalf("%s: %d events stored, %d acknowledged before the kill", stream, n, acked)
	}
}
