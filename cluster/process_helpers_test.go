//go:build linux

package cluster_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/cluster"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// memberBin is the helper binary (cluster/internal/member), built once by
// TestMain without the race detector: the library's own races
// (docs/CLUSTER.md) must not fail this module's tests.
var memberBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "linkup-cluster-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	memberBin = filepath.Join(dir, "member")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var buildOnce sync.Once
var buildErr error

func buildMember(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("process tests start real members; skipped with -short")
	}
	buildOnce.Do(func() {
		out, err := exec.Command("go", "build", "-o", memberBin, "./internal/member").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build member: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

// proc is one member process with its control endpoint.
type proc struct {
	name, ctl, id string
	cmd           *exec.Cmd
	stderr        *syncBuffer
	exited        chan struct{}
	state         *os.ProcessState
}

// ring is the members' addresses: host, provider (health), remote and
// control ports, on loopback (newRing) or in network namespaces
// (newNetnsRing, whose members start under `ip netns exec`).
type ring struct {
	hosts                     []string
	provider, remote, control []int
	endpoints                 string
	prefix                    [][]string // command prefix per member
	args                      [][]string // extra member flags per member (TLS files, -insecure)
	links                     []string   // netns rings: each member's veth, this side
}

func newRing(t *testing.T, n int) ring {
	ports := freePorts(t, 3*n)
	r := ring{provider: ports[:n], remote: ports[n : 2*n], control: ports[2*n:]}
	for range n {
		r.hosts = append(r.hosts, "127.0.0.1")
		r.prefix = append(r.prefix, nil)
	}
	r.endpoints = endpoints(r.hosts, r.provider)
	return r
}

func endpoints(hosts []string, ports []int) string {
	var eps []string
	for i, p := range ports {
		eps = append(eps, net.JoinHostPort(hosts[i], fmt.Sprint(p)))
	}
	return strings.Join(eps, ",")
}

func (r ring) addr(i int, ports []int) string {
	return net.JoinHostPort(r.hosts[i], fmt.Sprint(ports[i]))
}

// freePorts returns n ports that were free a moment ago, from below the
// kernel's ephemeral range (32768 and up), so that no member's outgoing
// connection or ":0" listener takes one before the member binds it.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for p := 20000 + rand.IntN(12000); len(ports) < n && p < 32700; p++ {
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			l.Close()
			ports = append(ports, p)
		}
	}
	if len(ports) < n {
		t.Fatalf("found %d free ports of %d", len(ports), n)
	}
	return ports
}

// start starts member i of the ring and waits for its "ready" line.
func (r ring) start(t *testing.T, i int, watchdog bool) *proc {
	t.Helper()
	args := append(append([]string{}, r.prefix[i]...), memberBin, "-node", fmt.Sprintf("n%d", i), "-provider-port", fmt.Sprint(r.provider[i]),
		"-bind", r.addr(i, r.remote), "-endpoints", r.endpoints, "-control", r.addr(i, r.control))
	if i < len(r.args) {
		args = append(args, r.args[i]...)
	}
	if !watchdog {
		args = append(args, "-no-watchdog")
	}
	p := &proc{name: fmt.Sprintf("n%d", i), ctl: "http://" + r.addr(i, r.control),
		cmd: exec.Command(args[0], args[1:]...), stderr: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)
	ready := make(chan string, 1)
	go func() {
		br := bufio.NewReader(out)
		line, err := br.ReadString('\n')
		for err == nil && !strings.HasPrefix(line, "ready ") { // skip anything printed before the ready line
			line, err = br.ReadString('\n')
		}
		ready <- line
		_, _ = io.Copy(io.Discard, br)
	}()
	go func() { _ = p.cmd.Wait(); p.state = p.cmd.ProcessState; close(p.exited) }()
	select {
	case line := <-ready:
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "ready" {
			t.Fatalf("%s: no ready line (%q); stderr:\n%s", p.name, line, p.stderr)
		}
		p.id = f[1]
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: not ready after 20 s; stderr:\n%s", p.name, p.stderr)
	}
	return p
}

func (p *proc) signal(s syscall.Signal) { _ = p.cmd.Process.Signal(s) }

// waitStopped waits until every thread of p is stopped (state T in
// /proc): SIGSTOP is delivered to each thread as it next runs, so a
// thread busy on a CPU can still answer a request for a moment.
func (p *proc) waitStopped(t *testing.T) {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/task", p.cmd.Process.Pid)
	waitFor(t, 5*time.Second, p.name+" stopped", func() bool {
		tasks, err := os.ReadDir(dir)
		if err != nil {
			return false
		}
		for _, task := range tasks {
			b, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat"))
			// the state follows the command name in parentheses
			if i := bytes.LastIndexByte(b, ')'); err != nil || i < 0 || i+2 >= len(b) || (b[i+2] != 'T' && b[i+2] != 't') {
				return false
			}
		}
		return true
	})
}

func (p *proc) kill() {
	p.signal(syscall.SIGCONT)
	p.signal(syscall.SIGKILL)
	<-p.exited
}

// startRing starts n members on loopback and waits until each sees all n.
func startRing(t *testing.T, n int, watchdog bool) (ring, []*proc) {
	buildMember(t)
	return startMembers(t, newRing(t, n), watchdog)
}

// startMembers starts every member of r and waits until each sees all of them.
func startMembers(t *testing.T, r ring, watchdog bool) (ring, []*proc) {
	n := len(r.hosts)
	ps := make([]*proc, n)
	t.Cleanup(func() { // runs after the members' own cleanups: stderr is complete
		if t.Failed() {
			for _, p := range ps {
				if p != nil {
					t.Logf("%s (%s) stderr:\n%s", p.name, p.id, p.stderr)
				}
			}
		}
	})
	for i := range ps {
		ps[i] = r.start(t, i, watchdog)
	}
	waitFor(t, 20*time.Second, "every member sees all members", func() bool {
		for _, p := range ps {
			if len(p.status(t).Members) != n {
				return false
			}
		}
		return true
	})
	return r, ps
}

type status struct {
	Node       string   `json:"node"`
	ID         string   `json:"id"`
	Address    string   `json:"address"`
	Members    []string `json:"members"`
	Blocked    []string `json:"blocked"`
	InFlight   int64    `json:"in_flight"`
	Goroutines int      `json:"goroutines"`
	// TLS handshakes refused, per port
	RefusedRemote int64 `json:"refused_remote"`
	RefusedHealth int64 `json:"refused_health"`
}

var client = &http.Client{Timeout: 15 * time.Second}

func (p *proc) status(t *testing.T) status {
	t.Helper()
	var s status
	if err := getJSON(p.ctl+"/status", &s); err != nil {
		t.Fatalf("%s status: %v; stderr:\n%s", p.name, err, p.stderr)
	}
	return s
}

// request asks member p to send a DemoRequest with id reqID to identity.
func (p *proc) request(identity, reqID string) (cluster.DemoReply, error) {
	var r cluster.DemoReply
	err := getJSON(p.ctl+"/request?identity="+url.QueryEscape(identity)+"&id="+url.QueryEscape(reqID), &r)
	return r, err
}

// owner is the address that p's latest topology places identity on,
// without a request (so nothing is cached or activated).
func (p *proc) owner(t *testing.T, identity string) string {
	t.Helper()
	var o struct {
		Address string `json:"address"`
	}
	if err := getJSON(p.ctl+"/owner?identity="+url.QueryEscape(identity), &o); err != nil {
		t.Fatalf("%s owner: %v", p.name, err)
	}
	return o.Address
}

func getJSON(u string, v any) error {
	res, err := client.Get(u)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var e map[string]string
		_ = json.NewDecoder(res.Body).Decode(&e)
		return fmt.Errorf("%s: %d %s", u, res.StatusCode, e["error"])
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// waitFor waits until cond holds (poll.Until) and returns how long that
// took, for the failover bounds the tests log.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	poll.Until(t, timeout, what, cond)
	return time.Since(start)
}

// hostedOn finds an identity that member via places on node.
func hostedOn(t *testing.T, via *proc, node string) string {
	t.Helper()
	for i := range 60 {
		id := fmt.Sprintf("id-%d", i)
		r, err := via.request(id, "find")
		if err == nil && r.Node == node {
			return id
		}
	}
	t.Fatalf("no identity of 60 placed on %s", node)
	return ""
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil // bounded: keep the first MiB
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
