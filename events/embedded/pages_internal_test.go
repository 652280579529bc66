package embedded

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/eventstest"
)

// TestOneEventCommitWritesOnePage appends chat messages one per commit
// to 200 streams, as a chats load does, and counts the WAL frames (page
// writes) of 500 commits between two index moves: a commit writes the
// events table's last page, and now and then a page of it more when the
// table grows. With an index on events(type, position) and stream_tail
// filled by a trigger, each commit wrote three pages (3.3 frames per
// commit on schema version 2).
func TestOneEventCommitWritesOnePage(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(Config{Dir: dir, CheckpointPages: 1 << 20, MaxWALPages: 1 << 22})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	appendN := func(from, n int) {
		for i := from; i < from+n; i++ {
			if _, err := st.Append(context.Background(), fmt.Sprintf("chat-%d", i%200), events.Any(), eventstest.BenchEvent); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendN(0, indexLag+900) // past the first move, well before the second
	wal := Path(dir) + "-wal"
	fi, err := os.Stat(wal)
	if err != nil {
		t.Fatal(err)
	}
	const commits = 500
	moving := st.w.idx.moving != nil
	appendN(indexLag+900, commits)
	if moving || st.w.idx.moving != nil {
		t.Fatal("an index move ran during the measured commits")
	}
	b, err := os.ReadFile(wal)
	if err != nil {
		t.Fatal(err)
	}
	const frame = 24 + 4096
	frames, ends := 0, 0
	for o := int(fi.Size()); o+frame <= len(b); o += frame {
		frames++
		if binary.BigEndian.Uint32(b[o+4:]) != 0 { // a commit's last frame
			ends++
		}
	}
	if ends != commits {
		t.Fatalf("%d commit frames in the WAL, want %d", ends, commits)
	}
	if per := float64(frames) / commits; per > 1.5 {
		t.Fatalf("%.2f WAL frames per one-event commit, want at most 1.5", per)
	}
	t.Logf("%.2f WAL frames per one-event commit", float64(frames)/commits)
}
