package cluster

import (
	"fmt"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
)

func testMembers(n int, kinds ...string) cluster.Members {
	ms := make(cluster.Members, n)
	for i := range ms {
		ms[i] = &cluster.Member{Host: "127.0.0.1", Port: int32(7000 + i), Id: fmt.Sprintf("n%d-x", i), Kinds: kinds}
	}
	return ms
}

// A joining member takes identities only onto itself: every identity whose
// owner changes moves to the joiner, so the old owner can tell that its
// activation is stale and nothing else moves.
func TestOwnerMovesOnlyToJoiner(t *testing.T) {
	var before, after owners
	if got := before.owner("c1", "chat"); got != "" {
		t.Fatalf("owner before any topology = %q, want \"\"", got)
	}
	three := testMembers(4, "chat")
	before.update(three[:3])
	after.update(three)
	joiner := three[3].Address()
	moved := 0
	for i := 0; i < 1000; i++ {
		id := fmt.Sprintf("chat-%d", i)
		b, a := before.owner(id, "chat"), after.owner(id, "chat")
		if b == "" || a == "" {
			t.Fatalf("%s: no owner (before %q, after %q)", id, b, a)
		}
		if b != a {
			moved++
			if a != joiner {
				t.Fatalf("%s moved from %s to %s, not to the joiner %s", id, b, a, joiner)
			}
		}
	}
	if moved == 0 || moved == 1000 {
		t.Fatalf("%d of 1000 identities moved to the joiner, want some but not all", moved)
	}
}

func TestOwnerOnlyAmongMembersWithKind(t *testing.T) {
	var o owners
	ms := append(testMembers(2, "chat"), &cluster.Member{Host: "127.0.0.1", Port: 7100, Id: "other-x", Kinds: []string{"other"}})
	o.update(ms)
	for i := 0; i < 200; i++ {
		if got := o.owner(fmt.Sprint(i), "chat"); got == ms[2].Address() || got == "" {
			t.Fatalf("chat %d placed on %q", i, got)
		}
	}
	if got := o.owner("x", "nokind"); got != "" {
		t.Fatalf("owner of a kind no member has = %q, want \"\"", got)
	}
}

// The view rebuilds the placement from the library's topology events, so
// Owner agrees with the library's own rendezvous for that topology.
func TestViewTracksOwnersFromTopology(t *testing.T) {
	sys := actor.NewActorSystem()
	defer sys.Shutdown()
	v := newView(sys)
	ms := testMembers(3, "chat")
	sys.EventStream.Publish(&cluster.ClusterTopology{TopologyHash: 1, Members: ms})
	want := cluster.NewRendezvous()
	want.UpdateMembers(ms)
	for i := 0; i < 100; i++ {
		id := fmt.Sprint("c", i)
		if got, w := v.owners.owner(id, "chat"), want.GetByClusterIdentity(cluster.NewClusterIdentity(id, "chat")); got != w {
			t.Fatalf("owner(%s) = %q, want %q", id, got, w)
		}
	}
	sys.EventStream.Publish(&cluster.ClusterTopology{TopologyHash: 2, Members: ms[:1]})
	if got := v.owners.owner("c1", "chat"); got != ms[0].Address() {
		t.Fatalf("after the topology shrank to one member, owner = %q, want %q", got, ms[0].Address())
	}
}
