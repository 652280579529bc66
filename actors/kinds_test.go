package actors

import (
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// echo answers every string with its own name.
type echo struct{ name string }

func (e *echo) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(string); ok {
		ctx.Respond(e.name)
	}
}

// TestKindSpawnsEachInstanceOnce: one shared Props, many concurrent spawns,
// and every PID answers with the instance it was spawned with.
func TestKindSpawnsEachInstanceOnce(t *testing.T) {
	sys := actor.NewActorSystem(actor.WithLoggerFactory(quietLogger))
	k := &kind{}
	k.props = actor.PropsFromProducer(k.take)
	pids := make([]*actor.PID, 64)
	var wg sync.WaitGroup
	for i := range pids {
		wg.Go(func() { pids[i] = k.spawn(sys.Root, &echo{name: string(rune('A' + i))}) })
	}
	wg.Wait()
	for i, pid := range pids {
		got, err := sys.Root.RequestFuture(pid, "who", time.Second).Result()
		if err != nil || got != string(rune('A'+i)) {
			t.Fatalf("actor %d answered %v (%v)", i, got, err)
		}
	}
	if _, ok := k.take().(stopSelf); !ok {
		t.Fatal("a producer call with nothing pending must not reuse an instance")
	}
}

// TestLoadPoolRefusesPastItsQueue: with every slot busy, maxQueuedLoads
// reads wait and the next one is refused at once, never run.
func TestLoadPoolRefusesPastItsQueue(t *testing.T) {
	p := newLoadPool(1, newMetrics(nil))
	release := make(chan struct{})
	started := make(chan struct{})
	if !p.run(func() { close(started); <-release }) {
		t.Fatal("first read refused")
	}
	<-started
	var ran sync.WaitGroup
	for range maxQueuedLoads {
		ran.Add(1)
		if !p.run(ran.Done) {
			t.Fatal("a read within the queue bound was refused")
		}
	}
	if p.run(func() { t.Error("a refused read ran") }) {
		t.Fatal("a read past the queue bound was accepted")
	}
	close(release)
	ran.Wait()
	if !p.run(func() {}) {
		t.Fatal("the pool did not recover once its queue drained")
	}
}
