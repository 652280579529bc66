package embedded

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkInsertCommit measures the writer's SQL work for one commit of
// n one-event appends, without the sync (synchronous=OFF), so that the
// CPU of the statements shows without the disk's noise: BEGIN, the
// events' INSERT, COMMIT. The time
// per op is one commit's; divide by n for an append's share.
func BenchmarkInsertCommit(b *testing.B) {
	for _, n := range []int{1, 4, 5, 7, 16} {
		b.Run(fmt.Sprint("rows=", n), func(b *testing.B) {
			ctx := context.Background()
			w, err := newWriter(ctx, Config{Dir: b.TempDir()}.withDefaults(), newNotifier())
			if err != nil {
				b.Fatal(err)
			}
			defer w.closeDB()
			if _, err := w.conn.ExecContext(ctx, "PRAGMA synchronous=OFF"); err != nil {
				b.Fatal(err)
			}
			data := []byte(`{"chat_id":"c1","seq":1,"message_id":"m1","sender":"alice","body":"hello, this is a chat message of ordinary length","client_msg_id":"k1","sent_at":"2025-01-01T00:00:00.123456789Z"}`)
			rows := make([]row, n)
			ptrs := make([]*row, n)
			for i := range rows {
				rows[i] = row{streamID: int64(i + 1), id: "0193a1b2-0000-7000-8000-000000000000", typ: "MessagePosted", data: data,
					metadata: `{"correlation_id":"req-1","causation_id":"req-1","node":"node-1"}`}
				ptrs[i] = &rows[i]
			}
			pos := uint64(0)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for _, r := range ptrs {
					pos++
					r.position, r.revision = pos, pos
				}
				if err := w.begin(ctx); err != nil {
					b.Fatal(err)
				}
				if err := w.ins.insert(ctx, ptrs, 1); err != nil {
					b.Fatal(err)
				}
				if err := w.raw.exec(ctx, w.commitS, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
