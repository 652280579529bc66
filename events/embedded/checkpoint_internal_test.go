package embedded

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// With the checkpointer stopped (as if it could not keep up), the writer
// checkpoints itself at MaxWALPages: the WAL stays bounded and every
// append is stored.
func TestWriterCheckpointsAtMaxWALPages(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	const maxPages = 64
	st, err := Open(Config{Dir: dir, Metrics: reg, CheckpointPages: 16, MaxWALPages: maxPages})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.w.ckpt.once.Do(func() { close(st.w.ckpt.stop) })
	st.w.ckpt.wg.Wait()

	ctx := context.Background()
	var largest int64
	for i := range 400 {
		ev := events.EventData{Type: "Num", Data: fmt.Appendf(nil, `{"n":%d}`, i)}
		if _, err := st.Append(ctx, fmt.Sprintf("chat-%d", i%7), events.Any(), ev); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(Path(dir) + "-wal"); err == nil {
			largest = max(largest, fi.Size())
		}
	}
	bound := int64(maxPages+16)*(4096+24) + 32 // one append's pages past the bound
	if largest == 0 || largest > bound {
		t.Fatalf("WAL grew to %d bytes, want 0 < size <= %d", largest, bound)
	}
	if n := counterValue(t, st.metrics.checkpoints.WithLabelValues("writer_bound")); n < 1 {
		t.Fatalf("writer ran %v checkpoints at the bound, want some", n)
	}
	if n := counterValue(t, st.metrics.checkpoints.WithLabelValues("checkpointer")); n != 0 {
		t.Fatalf("stopped checkpointer ran %v checkpoints", n)
	}
	var n int
	for _, err := range st.ReadAll(ctx, events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 400 {
		t.Fatalf("%d events stored, want 400", n)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// After a checkpoint that commits landed behind, the checkpointer's short
// runs (finish) copy those commits' pages and, once a run finds no new
// commit, report the WAL done: the writer's next transaction starts it
// again from its beginning, with no checkpoint of the writer's own. The
// background checkpointer stays out of the way (its threshold is far
// above what the test writes), so the WAL restarts only where the test
// says: with it at 16 pages it restarted the WAL on its own before the
// test's first checkpoint in about 1 run of 20, and the test compared two
// nearly empty WALs.
func TestCheckpointerFinishesTail(t *testing.T) {
	st, err := Open(Config{Dir: t.TempDir(), CheckpointPages: 1 << 16})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	appendN := func(n int) {
		for i := range n {
			ev := events.EventData{Type: "Num", Data: fmt.Appendf(nil, `{"n":%d}`, i)}
			if _, err := st.Append(ctx, fmt.Sprintf("chat-%d", i%7), events.Any(), ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendN(200)
	c := st.w.ckpt
	_, first := c.checkpoint("test", 0)
	appendN(5) // commits the first checkpoint did not see: the tail
	if !c.finish(tailPasses) {
		t.Fatal("finish did not get every page of the quiet WAL copied")
	}
	appendN(1)
	_, res := c.checkpoint("test", 0)
	if res.frames >= first.frames || res.frames > 16 {
		t.Fatalf("after finish and one append the WAL holds %d frames (%d before): it was not restarted", res.frames, first.frames)
	}
}
