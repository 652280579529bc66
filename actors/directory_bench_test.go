package actors

import (
	"fmt"
	"testing"

	"github.com/linkup-chat/linkup/events"
)

// BenchmarkDirectoryChatsOf: what list_chats, sync and connection_status
// pay to learn a user's chats (10,000 users, 2,000 chats of 50 members:
// 10 chats each), from goroutines in parallel as actors read it.
func BenchmarkDirectoryChatsOf(b *testing.B) {
	view := newDirView()
	view.p.Store(NewDirectory().With(benchChats()...))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if len(view.ChatsOf(fmt.Sprint("u", i%10000))) == 0 {
				b.Fatal("no chats")
			}
			i++
		}
	})
}

// BenchmarkDirectoryChange: what the owner pays to apply one membership
// change (a member added) to a directory of that size and publish it.
func BenchmarkDirectoryChange(b *testing.B) {
	d := NewDirectory().With(benchChats()...)
	for i := 0; b.Loop(); i++ {
		d = d.With(events.MembersAdded{ChatID: fmt.Sprint("c", i%2000), Seq: uint64(i + 1), Users: []string{fmt.Sprint("new", i)}})
	}
}

func benchChats() []events.Event {
	evs := make([]events.Event, 0, 2000)
	for c := range 2000 {
		members := make([]string, 50)
		for m := range members {
			members[m] = fmt.Sprint("u", (c*50+m*197)%10000)
		}
		evs = append(evs, events.ChatCreated{ChatID: fmt.Sprint("c", c), Members: members})
	}
	return evs
}

// BenchmarkDirectoryBigChat: one chat of 1,000 members created in that
// directory (the largest membership change a client can make).
func BenchmarkDirectoryBigChat(b *testing.B) {
	d := NewDirectory().With(benchChats()...)
	members := make([]string, 1000)
	for i := range members {
		members[i] = fmt.Sprint("u", i*7)
	}
	for i := 0; b.Loop(); i++ {
		_ = d.With(events.ChatCreated{ChatID: fmt.Sprint("big", i), Members: members})
	}
}
