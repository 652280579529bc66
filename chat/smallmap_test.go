package chat

import (
	"fmt"
	"testing"
)

// TestSmallMapIsAMap: a smallMap answers as a map does through set,
// overwrite and delete, below smallMapMax keys and past it (in its map).
func TestSmallMapIsAMap(t *testing.T) {
	for _, n := range []int{1, smallMapMax, smallMapMax + 1, 40} {
		var s smallMap[string, int]
		want := map[string]int{}
		for i := range n {
			k := fmt.Sprint("k", i)
			s.set(k, i)
			want[k] = i
		}
		for i := 0; i < n; i += 2 {
			k := fmt.Sprint("k", i)
			s.set(k, -i)
			want[k] = -i
		}
		for i := 0; i < n; i += 3 {
			k := fmt.Sprint("k", i)
			s.del(k)
			delete(want, k)
		}
		s.del("absent")
		for i := range n + 2 {
			k := fmt.Sprint("k", i)
			got, ok := s.get(k)
			if w, wok := want[k]; got != w || ok != wok {
				t.Fatalf("%d keys: get(%s) = %d %v, want %d %v", n, k, got, ok, w, wok)
			}
		}
	}
}

// TestRepeatsInABigBatch: a batch that sends client_msg_ids again
// (more than a smallMap holds in place) answers each repeat with the
// message the batch stores for it, and stores nothing for it.
func TestRepeatsInABigBatch(t *testing.T) {
	s := foldAll("c", created("alice", "bob"))
	var cmds []Command
	for i := range 20 {
		cmds = append(cmds, Post{Sender: []string{"alice", "bob"}[i%2], ClientMsgID: fmt.Sprint("x", i%10), Body: "b", MessageID: fmt.Sprint("m", i)})
	}
	rd := Decide(s, t0, cmds)
	if len(rd.Events) != 10 {
		t.Fatalf("%d events, want 10", len(rd.Events))
	}
	for i, r := range rd.Replies {
		if want := uint64(i%10 + 1); r.Posted.Seq != want || r.Posted.MessageID != fmt.Sprint("m", i%10) || r.Stored != (i < 10) {
			t.Fatalf("reply %d: %+v, want seq %d of m%d", i, r, want, i%10)
		}
	}
}

// TestDedupWindowFindsEveryEntry: once a sender's window has wrapped,
// each of its last DedupPerSender ids is found with its own seq.
func TestDedupWindowFindsEveryEntry(t *testing.T) {
	d := newDedupIndex(DedupPerSender)
	last := uint64(3*DedupPerSender + 7)
	for seq := uint64(1); seq <= last; seq++ {
		d.add("alice", fmt.Sprint("id-", seq), seq)
	}
	for seq := uint64(1); seq <= last; seq++ {
		got, ok := d.get("alice", fmt.Sprint("id-", seq))
		if inWindow := seq > last-DedupPerSender; ok != inWindow || (ok && got != seq) {
			t.Fatalf("id-%d: %d %v (in the window: %v)", seq, got, ok, inWindow)
		}
	}
}
