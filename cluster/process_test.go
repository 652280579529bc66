//go:build linux

package cluster_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The process tests run three members of cluster/internal/member on
// loopback (automanaged provider, 500 ms refresh, 1 s per request try).
// docs/CLUSTER.md states the bounds they hold and the figures measured.

// TestProcessRequestCrossesMembers: a request to an identity placed on
// another member crosses processes, every member reaches the same single
// activation, and a retried request id gets the first answer.
func TestProcessRequestCrossesMembers(t *testing.T) {
	_, ps := startRing(t, 3, true)
	id := hostedOn(t, ps[0], "n1")
	first, err := ps[0].request(id, "r-1")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		r, err := p.request(id, "r-"+p.name)
		if err != nil {
			t.Fatalf("via %s: %v", p.name, err)
		}
		if r.Node != "n1" || r.Activation != first.Activation || r.Count != first.Count+i+1 {
			t.Fatalf("via %s: %+v, want node n1, activation %s, count %d", p.name, r, first.Activation, first.Count+i+1)
		}
	}
	again, err := ps[2].request(id, "r-1") // a retry of the first request
	if err != nil || again != first {
		t.Fatalf("repeat of r-1 = %+v, %v; want the first answer %+v", again, err, first)
	}
}

// TestProcessKillHostReactivates: kill -9 of the member hosting an
// identity; the identity re-activates on a survivor, and both survivors
// reach that one activation, within failoverBound.
func TestProcessKillHostReactivates(t *testing.T) {
	const failoverBound = 10 * time.Second
	_, ps := startRing(t, 3, true)
	id := hostedOn(t, ps[0], "n2")
	ps[2].signal(syscall.SIGKILL)
	killed := time.Now()
	var moved string
	waitFor(t, failoverBound, id+" answered by a survivor", func() bool {
		r, err := ps[0].request(id, "after-kill")
		moved = r.Activation
		return err == nil && r.Node != "n2"
	})
	took := time.Since(killed)
	r, err := ps[1].request(id, "after-kill-via-n1")
	if err != nil || r.Activation != moved {
		t.Fatalf("via n1: %+v, %v; want activation %s", r, err, moved)
	}
	t.Logf("kill -9 of the host: %s answered again by %s after %v", id, r.Node, took.Round(time.Millisecond))
}

// TestProcessFrozenMemberLibrary shows the library's behaviour, with the
// watchdog off: a member frozen for 5 s is dropped and blocked by the
// others forever, keeps its own view of three members, and keeps serving,
// so the same identity is live on two members. If this test fails, the
// library changed: revisit docs/CLUSTER.md. The freeze races the
// library's timers, and on a loaded machine a ring may show another
// outcome (clean-clone CI runs: the frozen member's requests failing for
// the whole 60 s search, 145,770 of them; the frozen member seeing two
// members), so a ring that does not show the split is tried again, fresh,
// up to three rings, before the test fails. A split that does show is
// checked whole: n0 must reach another activation than n2's.
func TestProcessFrozenMemberLibrary(t *testing.T) {
	const attempts = 3
	var why string
	for a := 1; a <= attempts; a++ {
		var found bool
		if found, why = frozenSplitBrain(t); found {
			return
		}
		t.Logf("ring %d: no split brain: %s", a, why)
	}
	t.Fatalf("no identity found live on two members in %d rings (the last: %s)", attempts, why)
}

// frozenSplitBrain starts a ring of three, freezes n2 for 5 s and, once
// n0 and n1 have dropped and blocked it while it still sees three
// members, looks for 60 s for an identity live on n2 and on another
// member. It reports what it saw when it found none; it fails t if n0
// reaches n2's activation.
func frozenSplitBrain(t *testing.T) (found bool, why string) {
	t.Helper()
	_, ps := startRing(t, 3, false)
	defer func() {
		if !found { // the next ring runs alone
			for _, p := range ps {
				p.kill()
			}
		}
	}()
	frozen := ps[2]
	freeze(frozen, 5*time.Second)
	dropped := func() bool {
		for _, p := range ps[:2] {
			s := p.status(t)
			if len(s.Members) != 2 || !contains(s.Blocked, frozen.id) {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(10 * time.Second); !dropped(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false, "n0 and n1 did not drop and block n2 within 10 s"
		}
	}
	if s := frozen.status(t); len(s.Members) != 3 {
		return false, fmt.Sprintf("n2 sees %v, not three members", s.Members)
	}
	// Right after SIGCONT n2's own timers fire late (its polls time out,
	// its remote connections are redialled): its requests may fail for a
	// while, longer under the race detector (a CI run found none in 30 s),
	// so the search goes on for up to 60 s.
	deadline := time.Now().Add(60 * time.Second)
	failed, elsewhere := 0, 0
	for i := 0; time.Now().Before(deadline); i++ {
		id := fmt.Sprintf("dup-%d", i%60)
		mine, err := frozen.request(id, "x")
		if err != nil {
			failed++
			continue
		}
		if mine.Node != "n2" {
			elsewhere++
			continue // placed on another member by n2's stale view: refused, times out
		}
		theirs, err := ps[0].request(id, "x")
		if err != nil {
			t.Fatalf("via n0: %v", err)
		}
		if theirs.Node == "n2" || theirs.Activation == mine.Activation {
			t.Fatalf("%s: n0 reached %+v, n2 reached %+v: expected two activations", id, theirs, mine)
		}
		t.Logf("split brain, as the library leaves it: %s live on n2 (%s) and on %s (%s)", id, mine.Activation, theirs.Node, theirs.Activation)
		return true, ""
	}
	return false, fmt.Sprintf("n2's requests: %d failed, %d answered by another member", failed, elsewhere)
}

// TestProcessFrozenMemberWatchdog: with the watchdog, the member frozen
// for 5 s ends itself as soon as it resumes (exit code 3, ErrStalled), and
// a fresh member started in its place (what a supervisor does) joins with
// a new id; every member then reaches one activation per identity.
func TestProcessFrozenMemberWatchdog(t *testing.T) {
	const exitBound = 10 * time.Second
	r, ps := startRing(t, 3, true)
	frozen := ps[2]
	freeze(frozen, 5*time.Second)
	resumed := time.Now()
	select {
	case <-frozen.exited:
	case <-time.After(exitBound):
		t.Fatalf("n2 still running %v after it resumed; stderr:\n%s", exitBound, frozen.stderr)
	}
	took := time.Since(resumed)
	if code := frozen.state.ExitCode(); code != 3 || !strings.Contains(frozen.stderr.String(), "was stalled") {
		t.Fatalf("n2 exit code %d, want 3 (watchdog, stalled); stderr:\n%s", code, frozen.stderr)
	}
	t.Logf("frozen member exited %v after SIGCONT", took.Round(time.Millisecond))
	restarted := time.Now()
	ps[2] = r.start(t, 2, true)
	waitFor(t, 20*time.Second, "all three see the restarted n2", func() bool {
		for _, p := range ps {
			if s := p.status(t); len(s.Members) != 3 || !contains(s.Members, ps[2].id) {
				return false
			}
		}
		return true
	})
	t.Logf("restarted member seen by all three %v after its start", time.Since(restarted).Round(time.Millisecond))
	id := hostedOn(t, ps[0], "n2")
	want, _ := ps[0].request(id, "one")
	for _, p := range ps[1:] {
		if got, err := p.request(id, "one-"+p.name); err != nil || got.Activation != want.Activation {
			t.Fatalf("via %s: %+v, %v; want activation %s", p.name, got, err, want.Activation)
		}
	}
}

// freeze stops p with SIGSTOP for d, then resumes it.
func freeze(p *proc, d time.Duration) {
	p.signal(syscall.SIGSTOP)
	time.Sleep(d) // the freeze itself is the condition under test
	p.signal(syscall.SIGCONT)
}

// TestProcessLookupWaitBounded: the wrapper's Request to an identity
// whose owner does not answer (here frozen with SIGSTOP) returns within
// its bound (an error, or the reply of a new activation once the others
// have dropped the frozen member), RequestAttempts (4) tries of RequestTimeout (1 s)
// each, plus 0.5 s. The library's own Request
// with WithTimeout(1 s), sent at the same time to another identity on the
// same owner, usually waits the identity lookup's fixed 5 s instead
// (docs/CLUSTER.md); in some runs it gives up after 1 s. Both figures are
// logged; only the wrapper's bound is asserted.
func TestProcessLookupWaitBounded(t *testing.T) {
	// Under the library's fixed 5 s: a wrapper that let one attempt wait
	// for the lookup would pass it.
	const bound = 4*time.Second + 500*time.Millisecond
	_, ps := startRing(t, 3, false)
	a := hostedOn(t, ps[1], "n2") // found through n1, so n0 has nothing cached
	b := hostedOnExcept(t, ps[1], "n2", a)
	// n0 may not yet hash over the topology n1 placed a and b with.
	n2 := ps[2].status(t).Address
	waitFor(t, 10*time.Second, "n0 places both identities on n2", func() bool {
		return ps[0].owner(t, a) == n2 && ps[0].owner(t, b) == n2
	})
	ps[2].signal(syscall.SIGSTOP)
	defer ps[2].signal(syscall.SIGCONT)
	ps[2].waitStopped(t) // a thread still running could answer
	rawDone := make(chan rawReply, 1)
	go func() {
		r, err := ps[0].rawRequest(a, "raw")
		if err != nil {
			r.Error = err.Error()
		}
		rawDone <- r
	}()
	start := time.Now()
	_, err := ps[0].request(b, "wrapped")
	took := time.Since(start)
	if took > bound {
		t.Fatalf("the wrapper's request to a frozen owner took %v (err %v), want at most %v", took.Round(time.Millisecond), err, bound)
	}
	raw := <-rawDone
	t.Logf("wrapper: %v (err %v); library Request(WithTimeout 1 s) to the same owner: %d ms (%s)", took.Round(time.Millisecond), err, raw.Ms, raw.Error)
}

type rawReply struct {
	Node  string `json:"node"`
	Error string `json:"error"`
	Ms    int64  `json:"ms"`
}

func (p *proc) rawRequest(identity, reqID string) (rawReply, error) {
	var r rawReply
	err := getJSON(p.ctl+"/request?raw=1&identity="+identity+"&id="+reqID, &r)
	return r, err
}

func hostedOnExcept(t *testing.T, via *proc, node, not string) string {
	t.Helper()
	for i := range 60 {
		id := fmt.Sprintf("id-%d", i)
		if id == not {
			continue
		}
		if r, err := via.request(id, "find"); err == nil && r.Node == node {
			return id
		}
	}
	t.Fatalf("no second identity of 60 placed on %s", node)
	return ""
}

// TestProcessMinorityExits: a member left alone (both others killed, as
// the minority side of a partition sees it) ends itself with ErrNoQuorum
// once QuorumGrace (10 s) has passed, instead of hosting every identity
// by itself.
func TestProcessMinorityExits(t *testing.T) {
	const exitBound = 20 * time.Second
	_, ps := startRing(t, 3, true)
	ps[1].signal(syscall.SIGKILL)
	ps[2].signal(syscall.SIGKILL)
	killed := time.Now()
	select {
	case <-ps[0].exited:
	case <-time.After(exitBound):
		t.Fatalf("n0 alone still running %v after the others died; stderr:\n%s", exitBound, ps[0].stderr)
	}
	if code := ps[0].state.ExitCode(); code != 3 || !strings.Contains(ps[0].stderr.String(), "fewer members than the quorum") {
		t.Fatalf("n0 exit code %d, want 3 (watchdog, no quorum); stderr:\n%s", code, ps[0].stderr)
	}
	t.Logf("lone member exited %v after the others died", time.Since(killed).Round(time.Millisecond))
}

// TestProcessHealthPortTaken: the library only logs when its health
// endpoint cannot listen, and the member then believes it has joined
// while no other member can see it; Start fails instead (exit code 2).
func TestProcessHealthPortTaken(t *testing.T) {
	buildMember(t)
	r := newRing(t, 1)
	l, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", r.provider[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, memberBin, "-node", "n0", "-provider-port", fmt.Sprint(r.provider[0]), "-endpoints", r.endpoints,
		"-bind", fmt.Sprintf("127.0.0.1:%d", r.remote[0]), "-control", fmt.Sprintf("127.0.0.1:%d", r.control[0]))
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "health endpoint") {
		t.Fatalf("exit %v, want code 2 naming the health endpoint; output:\n%s", err, out)
	}
}

// TestProcessLeaveReactivates: SIGTERM of the member hosting an identity
// (Stop: its health endpoint closes, its actor system stops); the
// identity re-activates on a survivor, as after a crash, and the member
// exits 0.
func TestProcessLeaveReactivates(t *testing.T) {
	const failoverBound = 10 * time.Second
	_, ps := startRing(t, 3, true)
	id := hostedOn(t, ps[0], "n2")
	ps[2].signal(syscall.SIGTERM)
	left := time.Now()
	waitFor(t, failoverBound, id+" answered by a survivor", func() bool {
		r, err := ps[0].request(id, "after-leave")
		return err == nil && r.Node != "n2"
	})
	took := time.Since(left)
	select {
	case <-ps[2].exited:
	case <-time.After(failoverBound):
		t.Fatalf("n2 still running %v after SIGTERM", failoverBound)
	}
	if code := ps[2].state.ExitCode(); code != 0 {
		t.Fatalf("n2 exit code %d after SIGTERM, want 0; stderr:\n%s", code, ps[2].stderr)
	}
	t.Logf("SIGTERM of the host: %s answered by a survivor after %v", id, took.Round(time.Millisecond))
}

// TestProcessPartitionMinorityExits: a partition (network namespaces)
// isolates the member hosting an identity. The majority drops it and
// re-activates the identity; the isolated member, alone, ends itself
// with ErrNoQuorum after QuorumGrace instead of serving every identity by
// itself for good; after the partition heals, a restarted member joins
// and every member reaches one activation.
func TestProcessPartitionMinorityExits(t *testing.T) {
	const bound = 25 * time.Second
	buildMember(t)
	r, ps := startMembers(t, newNetnsRing(t, 3), true)
	id := hostedOn(t, ps[0], "n2")
	r.cut(t, 2, true)
	cut := time.Now()
	waitFor(t, bound, id+" answered by the majority", func() bool {
		got, err := ps[0].request(id, "after-cut")
		return err == nil && got.Node != "n2"
	})
	t.Logf("partition: %s answered by the majority %v after the cut", id, time.Since(cut).Round(time.Millisecond))
	select {
	case <-ps[2].exited:
	case <-time.After(bound):
		t.Fatalf("isolated n2 still running %v after the cut; stderr:\n%s", bound, ps[2].stderr)
	}
	if code := ps[2].state.ExitCode(); code != 3 || !strings.Contains(ps[2].stderr.String(), "fewer members than the quorum") {
		t.Fatalf("n2 exit code %d, want 3 (no quorum); stderr:\n%s", code, ps[2].stderr)
	}
	t.Logf("isolated member exited %v after the cut", time.Since(cut).Round(time.Millisecond))
	r.cut(t, 2, false)
	ps[2] = r.start(t, 2, true)
	waitFor(t, bound, "all three see the restarted n2", func() bool {
		for _, p := range ps {
			if s := p.status(t); len(s.Members) != 3 || !contains(s.Members, ps[2].id) {
				return false
			}
		}
		return true
	})
	want, err := ps[0].request(id, "healed")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps[1:] {
		if got, err := p.request(id, "healed-"+p.name); err != nil || got.Activation != want.Activation {
			t.Fatalf("via %s: %+v, %v; want activation %s", p.name, got, err, want.Activation)
		}
	}
}
