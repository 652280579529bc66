package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/transport"
)

// testCluster is three `linkup serve --store postgres --cluster-...`
// processes on loopback sharing one PostgreSQL log and one JWT secret.
type testCluster struct {
	nodes   []*proc
	names   []string
	dirs    []string
	analyst string
}

// startTestCluster starts n nodes named n1.. on the PostgreSQL database
// url and waits until each sees all of them alive in /v1/cluster.
func startTestCluster(t *testing.T, url string, n int) *testCluster {
	t.Helper()
	return startTestClusterWith(t, url, n, nil)
}

// startTestClusterWith is startTestCluster with extra flags for node i
// (extra may be nil).
func startTestClusterWith(t *testing.T, url string, n int, extra func(i int) []string) *testCluster {
	t.Helper()
	ports := freePorts(t, n)
	eps := make([]string, n)
	for i, p := range ports {
		eps[i] = fmt.Sprintf("127.0.0.1:%d", p)
	}
	tc := &testCluster{}
	secret := fmt.Sprintf("cluster-test-secret-%d", time.Now().UnixNano())
	for i := range n {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, secretFile), []byte(secret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("n%d", i+1)
		tc.dirs, tc.names = append(tc.dirs, dir), append(tc.names, name)
		args := []string{"--store", "postgres", "--node", name, "--cluster-endpoints", strings.Join(eps, ","),
			"--cluster-provider-port", fmt.Sprint(ports[i]), "--drain-delay", "0s"}
		if extra != nil {
			args = append(args, extra(i)...)
		}
		tc.nodes = append(tc.nodes, startNode(t, dir, []string{"LINKUP_POSTGRES_URL=" + url}, args...))
	}
	tc.analyst = tokenFor(t, tc.dirs[0], "ana", "--role", "analyst")
	for i := range n {
		tc.waitMembers(t, i, n)
	}
	return tc
}

// startNode is startServe with extra environment: `linkup serve --addr
// 127.0.0.1:0 --data dir args...`, waiting for its ready line.
func startNode(t *testing.T, dir string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, args...)...)
	cmd.Env = append(append(environWithout("LINKUP_POSTGRES_URL"), "LINKUP_TEST_MAIN=1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &strings.Builder{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go p.scan(stderr, addr)
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case p.addr = <-addr:
	case err := <-p.done:
		t.Fatalf("serve exited (%v) before it was ready", err)
	case <-time.After(30 * time.Second):
		t.Fatalf("no ready line; logs:\n%s", p.logs)
	}
	return p
}

// freePorts returns n TCP ports free on every interface (the provider's
// health port listens on --cluster-bind's host).
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", ":0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

// status reads node i's GET /v1/cluster.
func (tc *testCluster) status(t *testing.T, i int) transport.ClusterStatus {
	t.Helper()
	code, _, body := testnode.Do(t, "GET", "http://"+tc.nodes[i].addr+"/v1/cluster", tc.analyst, "")
	if code != 200 {
		t.Fatalf("node %s: GET /v1/cluster: %d %s", tc.names[i], code, body)
	}
	var st transport.ClusterStatus
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("node %s: /v1/cluster: %v: %s", tc.names[i], err, body)
	}
	return st
}

// waitMembers waits until node i sees n members alive.
func (tc *testCluster) waitMembers(t *testing.T, i, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := tc.status(t, i)
		alive := 0
		for _, m := range st.Members {
			if m.Alive {
				alive++
			}
		}
		if alive == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s sees %d members alive, want %d: %+v; logs:\n%s", tc.names[i], alive, n, st, tc.nodes[i].logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hosts returns the names of the nodes whose /v1/cluster lists chat,
// asking every node but those in skip (a frozen node does not answer).
func (tc *testCluster) hosts(t *testing.T, chat string, skip ...int) []string {
	t.Helper()
	var out []string
	for i := range tc.nodes {
		if slices.Contains(skip, i) {
			continue
		}
		if slices.Contains(tc.status(t, i).ChatIDs, chat) {
			out = append(out, tc.names[i])
		}
	}
	return out
}

// url is node i's WebSocket URL.
func (tc *testCluster) url(i int) string { return tc.nodes[i].url() }

// token signs a token for user with the cluster's secret.
func (tc *testCluster) token(t *testing.T, user string) string { return tokenFor(t, tc.dirs[0], user) }

// recorder is a client whose frames are all kept, whatever a request
// waits for.
type recorder struct {
	*client.Client
	frames []client.Frame
}

// ask sends msg with a fresh ref and returns the frame answering it,
// keeping every frame read on the way.
func (r *recorder) ask(t *testing.T, msg map[string]any) client.Frame {
	t.Helper()
	ref := fmt.Sprint(time.Now().UnixNano())
	msg["ref"] = ref
	if err := r.Send(msg); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	for {
		f, err := r.Next(time.Until(deadline))
		if err != nil {
			t.Fatalf("%v: %v", msg["type"], err)
		}
		r.frames = append(r.frames, f)
		if f.Ref() == ref {
			return f
		}
	}
}

// waitChat waits until a fresh connection of user on node i finds chat in
// its get_connection_status (the node's directory follows the log), so a
// connection made next is subscribed to it.
func (tc *testCluster) waitChat(t *testing.T, i int, user, chat string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		c := dial(t, tc.url(i), tc.token(t, user))
		f := request(t, c, map[string]any{"type": "get_connection_status"})
		_ = c.Close()
		var st struct{ Chats []string }
		_ = f.Decode(&st)
		if slices.Contains(st.Chats, chat) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s: %s's connection status never lists chat %s: %s", tc.names[i], user, chat, f.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
