//go:build linux

package reliability_test

// The cluster harness: N real `linkup serve --store postgres` processes on
// one PostgreSQL database (started by pgtest), on fixed loopback ports (or
// in network namespaces, cluster_netns_test.go), which a test kills,
// stops, freezes and restarts; devices (cluster_device_test.go) that
// send and receive over real WebSockets and move to another node when
// theirs goes away; and a checker over the log (cluster_check_test.go).
//
// The linkup binary is built once per test run, without the race
// detector: with cluster flags the process runs protoactor-go, whose own
// known races (docs/CLUSTER.md) would end it; -race covers this harness.
// When the binary knows the cluster flags (`serve -h` lists
// --cluster-endpoints), every node runs as a cluster member with the
// automanaged provider over the others' health endpoints, unless
// LINKUP_CLUSTER_TESTS_LOG_ONLY=1.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/transport"
)

// TestMain stops the package's shared PostgreSQL and removes the built
// binary once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	if linkupBin.dir != "" {
		os.RemoveAll(linkupBin.dir)
	}
	os.Exit(code)
}

// logOnlyEnv, set to 1, runs the nodes without cluster flags even when
// serve has them: plain nodes on one log, as before chat identities.
const logOnlyEnv = "LINKUP_CLUSTER_TESTS_LOG_ONLY"

// linkupBin is the `linkup` binary under test, built on first use.
var linkupBin struct {
	once     sync.Once
	dir      string
	path     string
	err      error
	clusterd bool // serve knows the cluster flags
}

// buildLinkup builds ./cmd/linkup once (skipped with -short: every cluster
// test starts real processes).
func buildLinkup(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("cluster tests start real linkup processes; skipped with -short")
	}
	linkupBin.once.Do(func() {
		linkupBin.dir, linkupBin.err = os.MkdirTemp("", "linkup-cluster-bin")
		if linkupBin.err != nil {
			return
		}
		linkupBin.path = filepath.Join(linkupBin.dir, "linkup")
		out, err := exec.Command("go", "build", "-o", linkupBin.path, "github.com/linkup-chat/linkup/cmd/linkup").CombinedOutput()
		if err != nil {
			linkupBin.err = fmt.Errorf("go build ./cmd/linkup: %v\n%s", err, out)
			return
		}
		help, _ := exec.Command(linkupBin.path, "serve", "-h").CombinedOutput()
		linkupBin.clusterd = bytes.Contains(help, []byte("cluster-endpoints")) && os.Getenv(logOnlyEnv) != "1"
	})
	if linkupBin.err != nil {
		t.Fatal(linkupBin.err)
	}
}

// clusterChat is the one busy chat of every cluster test.
const clusterChat = "busy"

// testCluster is N nodes sharing one PostgreSQL log.
type testCluster struct {
	t        *testing.T
	name     string   // cluster name (unique per test)
	pgNode   string   // the log's URL as the nodes reach it
	pgTest   string   // the log's URL as the test reaches it
	secret   []byte   // LINKUP_JWT_SECRET of every node
	nodes    []*node  // fixed addresses; each runs one process at a time
	extra    []string // flags every node gets
	clusterd bool     // the nodes run as cluster members
}

// node is one member's addresses and its current process.
type node struct {
	i                              int
	name, host                     string
	httpPort, remotePort, provPort int
	prefix                         []string // command prefix (ip netns exec NS)
	dir                            string   // --data (read model, no secret)
	logs                           *boundedLog
	mu                             sync.Mutex
	proc                           *nodeProc
	starts                         int
}

// nodeProc is one run of a node.
type nodeProc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	code   int // valid once exited is closed
}

// clusterOpts shape a cluster.
type clusterOpts struct {
	nodes int
	hosts []string   // per node; default 127.0.0.1
	pfx   [][]string // per node command prefix
	pgURL func(string) string
}

// newCluster makes the database and the node addresses; startAll starts
// the processes.
func newCluster(t *testing.T, o clusterOpts) *testCluster {
	t.Helper()
	buildLinkup(t)
	url := pgtest.Shared(t).NewDatabase(t)
	c := &testCluster{t: t, name: "lt" + randHex(4), pgNode: url, pgTest: url, secret: []byte(randHex(16)),
		clusterd: linkupBin.clusterd,
		extra: []string{"--rate-messages", "100000", "--rate-frames", "100000", "--drain-delay", "300ms",
			"--shutdown-grace", "5s", "--presence-grace", "100ms"}}
	if o.pgURL != nil {
		c.pgNode = o.pgURL(url)
	}
	ports := freePorts(t, 3*o.nodes)
	for i := range o.nodes {
		n := &node{i: i, name: fmt.Sprintf("n%d", i), host: "127.0.0.1", dir: t.TempDir(), logs: &boundedLog{},
			httpPort: ports[i], remotePort: ports[o.nodes+i], provPort: ports[2*o.nodes+i]}
		if o.hosts != nil {
			n.host = o.hosts[i]
			n.httpPort, n.remotePort, n.provPort = 8080, 7000, 6330 // a namespace each
		}
		if o.pfx != nil {
			n.prefix = o.pfx[i]
		}
		c.nodes = append(c.nodes, n)
	}
	t.Logf("cluster %s: %d nodes, cluster members: %v", c.name, o.nodes, c.clusterd)
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.kill()
		}
		if t.Failed() {
			for _, n := range c.nodes {
				t.Logf("%s logs (tail):\n%s", n.name, n.logs.tail(6000))
			}
		}
	})
	return c
}

// startAll starts every node and waits until each is ready (and, as
// cluster members, until each sees all of them).
func (c *testCluster) startAll() {
	c.t.Helper()
	var wg sync.WaitGroup
	for _, n := range c.nodes {
		wg.Go(func() { c.start(n) })
	}
	wg.Wait()
	c.waitMembers(len(c.nodes))
}

func (n *node) url() string {
	return fmt.Sprintf("ws://%s/ws", net.JoinHostPort(n.host, fmt.Sprint(n.httpPort)))
}
func (n *node) httpURL() string {
	return fmt.Sprintf("http://%s", net.JoinHostPort(n.host, fmt.Sprint(n.httpPort)))
}

func (c *testCluster) urls() []string {
	var out []string
	for _, n := range c.nodes {
		out = append(out, n.url())
	}
	return out
}

var readyRE = regexp.MustCompile(`linkup ready.* addr=(\S+)`)

// args are node n's command line.
func (c *testCluster) args(n *node) []string {
	args := append(append([]string{}, n.prefix...), linkupBin.path, "serve",
		"--addr", net.JoinHostPort(n.host, fmt.Sprint(n.httpPort)), "--data", n.dir,
		"--store", "postgres", "--node", n.name)
	args = append(args, c.extra...)
	if c.clusterd {
		var eps []string
		for _, m := range c.nodes {
			eps = append(eps, net.JoinHostPort(m.host, fmt.Sprint(m.provPort)))
		}
		remote := net.JoinHostPort(n.host, fmt.Sprint(n.remotePort))
		args = append(args, "--cluster-node", n.name, "--cluster-name", c.name,
			"--cluster-bind", remote, "--cluster-advertise", remote,
			"--cluster-provider", "automanaged", "--cluster-provider-port", fmt.Sprint(n.provPort),
			"--cluster-endpoints", strings.Join(eps, ","))
		if ip := net.ParseIP(n.host); ip == nil || !ip.IsLoopback() {
			args = append(args, "--cluster-insecure") // network namespaces: these tests are about membership, not TLS
		}
	}
	return args
}

// env is the nodes' environment: this process's without any LINKUP_
// variable, plus the log's URL and the shared secret.
func (c *testCluster) env() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LINKUP_") {
			out = append(out, kv)
		}
	}
	return append(out, "LINKUP_POSTGRES_URL="+c.pgNode, "LINKUP_JWT_SECRET="+string(c.secret))
}

// start starts node n (it must not be running) and waits for its ready
// line.
func (c *testCluster) start(n *node) {
	c.t.Helper()
	args := c.args(n)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = c.env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	pr, pw := io.Pipe()
	cmd.Stderr, cmd.Stdout = pw, n.logs
	n.mu.Lock()
	n.starts++
	fmt.Fprintf(n.logs, "--- %s start %d at %s\n", n.name, n.starts, time.Now().Format("15:04:05.000"))
	n.mu.Unlock()
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("start %s: %v", n.name, err)
	}
	p := &nodeProc{cmd: cmd, exited: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		seen := false
		for sc.Scan() {
			fmt.Fprintln(n.logs, sc.Text())
			if !seen && readyRE.MatchString(sc.Text()) {
				seen = true
				close(ready)
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() {
		_ = cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		fmt.Fprintf(n.logs, "--- %s exited %d at %s\n", n.name, p.code, time.Now().Format("15:04:05.000"))
		pw.Close()
		close(p.exited)
	}()
	n.mu.Lock()
	n.proc = p
	n.mu.Unlock()
	select {
	case <-ready:
	case <-p.exited:
		c.t.Fatalf("%s exited %d before it was ready; logs:\n%s", n.name, p.code, n.logs.tail(4000))
	case <-time.After(30 * time.Second):
		c.t.Fatalf("%s not ready after 30 s; logs:\n%s", n.name, n.logs.tail(4000))
	}
}

func (n *node) current() *nodeProc {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

func (n *node) signal(s syscall.Signal) {
	if p := n.current(); p != nil {
		_ = p.cmd.Process.Signal(s)
	}
}

// running reports whether node n's current process has not exited.
func (n *node) running() bool {
	p := n.current()
	if p == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stop sends sig and waits (up to within) for the exit; it returns the
// exit code.
func (c *testCluster) stop(n *node, sig syscall.Signal, within time.Duration) int {
	c.t.Helper()
	p := n.current()
	n.signal(sig)
	select {
	case <-p.exited:
		return p.code
	case <-time.After(within):
		c.t.Fatalf("%s did not exit within %v of %v", n.name, within, sig)
		return -1
	}
}

// stacks makes node n's Go runtime print every goroutine (SIGQUIT ends
// the process) and returns the goroutines that run linkup's own code,
// for a test that found the process stuck.
func (n *node) stacks() string {
	p := n.current()
	mark := len(n.logs.String())
	n.signal(syscall.SIGQUIT)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
	}
	var keep []string
	for _, g := range strings.Split(n.logs.String()[mark:], "\n\n") {
		if strings.HasPrefix(g, "goroutine ") && (strings.Contains(g, "linkup-chat/linkup/") || strings.Contains(g, "jackc/")) {
			keep = append(keep, g)
		}
	}
	return strings.Join(keep, "\n\n")
}

func (n *node) kill() {
	p := n.current()
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// waitMembers waits (20 s) until every running node's /v1/cluster lists
// exactly the running nodes' current members alive (a restarted node is
// a new member; its old one must be gone), want of them; without cluster
// flags there is nothing to wait for.
func (c *testCluster) waitMembers(want int) {
	c.t.Helper()
	if !c.clusterd {
		return
	}
	start := time.Now()
	var last string
	if !poll.Within(20*time.Second, func() bool {
		views := map[string]transport.ClusterStatus{}
		var ids []string
		for _, n := range c.nodes {
			if !n.running() {
				continue
			}
			v, err := c.view(n)
			if err != nil {
				last = err.Error()
				return false
			}
			views[n.name] = v
			ids = append(ids, v.MemberID)
		}
		slices.Sort(ids)
		for name, v := range views {
			var seen []string
			for _, m := range v.Members {
				if m.Alive {
					seen = append(seen, m.ID)
				}
			}
			slices.Sort(seen)
			if len(ids) != want || !slices.Equal(seen, ids) {
				last = fmt.Sprintf("%s sees %v alive, the running members are %v", name, seen, ids)
				return false
			}
		}
		return true
	}) {
		c.t.Fatalf("the members did not converge within 20 s: %s", last)
	}
	c.t.Logf("every node sees the %d running members alive (%.1f s)", want, time.Since(start).Seconds())
}

var httpc = &http.Client{Timeout: 3 * time.Second}

// view is node n's GET /v1/cluster.
func (c *testCluster) view(n *node) (transport.ClusterStatus, error) {
	var v transport.ClusterStatus
	req, _ := http.NewRequest("GET", n.httpURL()+"/v1/cluster", nil)
	req.Header.Set("Authorization", "Bearer "+c.token("analyst", "analyst"))
	res, err := httpc.Do(req)
	if err != nil {
		return v, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return v, fmt.Errorf("GET /v1/cluster: %s", res.Status)
	}
	return v, jsonDecode(res.Body, &v)
}

// token signs a token for user with the cluster's secret.
func (c *testCluster) token(user string, roles ...string) string {
	c.t.Helper()
	tok, err := transport.IssueToken(c.secret, user, roles, time.Hour)
	if err != nil {
		c.t.Fatal(err)
	}
	return tok
}

// createChat creates the busy chat through node 0, with every user a
// member (users[0] creates it).
func (c *testCluster) createChat(users []string) {
	c.t.Helper()
	cl := dialClient(c.t, c.nodes[0].url(), c.token(users[0]))
	defer cl.Close()
	members := users[1:]
	if f := call(c.t, cl, map[string]any{"type": "create_chat", "chat_id": clusterChat, "members": members}); f.Type != "ack" {
		c.t.Fatalf("create_chat: %s", f.Raw)
	}
	c.waitChatEverywhere(c.token(users[len(users)-1]))
}

// waitChatEverywhere waits (10 s) until every node answers d's
// sync_request for the busy chat as a member's: a node learns of a chat
// created elsewhere from the log, and the failure tests start from a chat
// every node knows (TestClusterCreatedChatVisibleOnEveryNode holds the
// read-your-writes promise itself).
func (c *testCluster) waitChatEverywhere(tok string) {
	c.t.Helper()
	start := time.Now()
	for _, n := range c.nodes {
		cl := dialClient(c.t, n.url(), tok)
		poll.Until(c.t, 10*time.Second, n.name+" knows the busy chat", func() bool {
			f := call(c.t, cl, map[string]any{"type": "sync_request", "positions": map[string]uint64{clusterChat: 0}, "limit": 1})
			return f.Type == "sync_complete"
		})
		cl.Close()
	}
	c.t.Logf("every node knows the chat %.2f s after its creation", time.Since(start).Seconds())
}

// freePorts returns n ports free a moment ago, below the kernel's
// ephemeral range, so no outgoing connection takes one before a node
// binds it again after a restart.
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

func randHex(n int) string {
	var sb strings.Builder
	for range n {
		fmt.Fprintf(&sb, "%02x", rand.IntN(256))
	}
	return sb.String()
}

// boundedLog keeps a node's output, every run of it, up to 4 MiB.
type boundedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *boundedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 4<<20 {
		l.b.Write(p)
	}
	return len(p), nil
}

func (l *boundedLog) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

// lines returns the log's lines that contain any of words.
func (l *boundedLog) lines(words ...string) string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				out = append(out, line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

func (l *boundedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// chatHost returns the node that hosts the busy chat's identity (its
// /v1/cluster lists it; the chat is active once created). Without chat
// identities no node does: node 0 is then the one most clients write
// through (busyDevices puts four writers on the host).
func (c *testCluster) chatHost() int {
	c.t.Helper()
	if !c.clusterd {
		return 0
	}
	for _, n := range c.nodes {
		v, err := c.view(n)
		if err != nil {
			c.t.Fatalf("%s: %v", n.name, err)
		}
		if slices.Contains(v.ChatIDs, clusterChat) {
			c.t.Logf("the busy chat is hosted on %s", n.name)
			return n.i
		}
	}
	c.t.Fatalf("no node hosts the busy chat")
	return 0
}

// rejoin starts n again if it has exited (as its supervisor would), then
// waits until every node sees all members.
func (c *testCluster) rejoin(n *node) {
	if !n.running() {
		c.start(n)
	}
	c.waitMembers(len(c.nodes))
}

// restartIfExited gives n, resumed from a freeze at resumed, 15 s to end
// itself (a member the others dropped exits), and then rejoins it; a node
// still serving is left alone. Either is allowed; the log says which.
func (c *testCluster) restartIfExited(t *testing.T, n *node, resumed time.Time) {
	t.Helper()
	if !poll.Within(15*time.Second, func() bool { return !n.running() }) {
		t.Logf("%s still serving 15 s after SIGCONT", n.name)
		return
	}
	t.Logf("%s exited %d, %.2f s after SIGCONT; restarting it:\n%s", n.name, n.current().code, time.Since(resumed).Seconds(), n.logs.lines(exitWords...))
	c.rejoin(n)
}

// settle waits for acks more acknowledged sends after a fault (what), stops
// the load and checks what every test of a fault checks: nothing
// acknowledged lost, no seq forked, nothing stored twice, every device
// holds every item. It returns the chat's log.
func (c *testCluster) settle(t *testing.T, l *load, acks int64, what string) chatLog {
	t.Helper()
	l.waitAcks(t, acks, 30*time.Second, what)
	l.finish(t, c)
	summary(t, l.devs)
	return c.checkLog(l.devs)
}
