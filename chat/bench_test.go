package chat

import (
	"fmt"
	"testing"
)

// BenchmarkDecidePosts decides and advances batches of 64 posts in a chat
// of 100 members: the chat actor's work per batch, without I/O.
func BenchmarkDecidePosts(b *testing.B) {
	s := foldAll("c", created(manyUsers(100)...))
	cmds := make([]Command, 64)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for j := range cmds {
			cmds[j] = Post{Sender: fmt.Sprint("u", j), ClientMsgID: fmt.Sprint(i, "-", j), Body: "hello", MessageID: "m"}
		}
		rd := Decide(s, t0, cmds)
		s.Advance(rd, s.Revision+1)
	}
	b.ReportMetric(float64(b.N*len(cmds))/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkDecideSmallBatches decides and advances batches of two posts
// in a chat of five members, the shape of the `chats` load (many small
// chats, a commit's worth of posts per batch): one op is one post.
func BenchmarkDecideSmallBatches(b *testing.B) {
	users := manyUsers(5)
	s := foldAll("c", created(users...))
	ids := make([]string, 4096)
	for i := range ids {
		ids[i] = fmt.Sprint("m", i)
	}
	cmds := make([]Command, 2)
	b.ReportAllocs()
	for i := 0; b.Loop(); i += 2 {
		for j := range cmds {
			cmds[j] = Post{Sender: users[(i+j)%5], ClientMsgID: ids[(i+j)%len(ids)], Body: "hello", MessageID: "m"}
		}
		rd := Decide(s, t0, cmds)
		s.Advance(rd, s.Revision+1)
	}
}
