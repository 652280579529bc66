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
