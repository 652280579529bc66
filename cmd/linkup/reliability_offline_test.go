package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The offline tools (replay, projections) need the data directory and
// nothing else: no network, no JWT secret, no environment, no files outside
// the data directory. TestOfflineToolsNeedOnlyTheDataDirectory runs each as
// its own process in a sandbox that takes everything else away: a new
// network namespace (no interface is up, so nothing can be dialled, not even
// loopback), an empty environment and an empty working directory that must
// stay empty. The log is held open for writing meanwhile, as by a running
// server. A control run in the same sandbox first shows that the sandbox
// really denies the network: a dial to a listener on this host's loopback
// fails and the listener sees no connection.
func TestOfflineToolsNeedOnlyTheDataDirectory(t *testing.T) {
	dir := t.TempDir()
	writeReplayLog(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	out, err := sandboxed(t, "LINKUP_TEST_DIAL="+ln.Addr().String())
	if err == nil || !strings.Contains(out, "dial failed") {
		t.Fatalf("control: the sandbox let a dial through (err %v): %s", err, out)
	}
	select {
	case <-accepted:
		t.Fatal("control: the host listener accepted a connection from the sandbox")
	case <-time.After(100 * time.Millisecond):
	}
	for _, args := range [][]string{
		{"replay", "timeline", "--data", dir, "--format", "jsonl"},
		{"replay", "chain", "--data", dir, "--correlation", "k1/r2"},
		{"replay", "state", "--data", dir, "--chat", "c1"},
		{"replay", "state", "--data", dir, "--user", "alice"},
		{"replay", "diff", "--data", dir, "--chat", "c1", "--from", "2025-03-04T10:30:01Z", "--to", "2025-03-04T10:30:03Z"},
		{"projections", "rebuild", "--data", dir},
		{"projections", "status", "--data", dir},
	} {
		out, err := sandboxed(t, "", args...)
		if err != nil || !strings.Contains(out, wantOffline[args[1]]) {
			t.Errorf("%s in the sandbox: %v\n%s", strings.Join(args[:2], " "), err, out)
		}
	}
}

// wantOffline is a line fragment each subcommand prints on success.
var wantOffline = map[string]string{
	"timeline": `"type":"MessagePosted"`, "chain": "MessagePosted", "state": `"latest_seq"`,
	"diff": "c1", "rebuild": "rebuilt errors", "status": "read_states",
}

// sandboxed runs this test binary as linkup with args (or, with env set, a
// control dial) in a new user and network namespace, with only env in its
// environment and an empty working directory, which it checks is still
// empty afterwards. It skips the test where the kernel refuses unprivileged
// namespaces.
func sandboxed(t *testing.T, env string, args ...string) (string, error) {
	t.Helper()
	wd := t.TempDir()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = wd
	cmd.Env = []string{"LINKUP_TEST_MAIN=1"}
	if env != "" {
		cmd.Env = append(cmd.Env, env)
	}
	uid, gid := os.Getuid(), os.Getgid()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}},
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Skipf("this kernel refuses an unprivileged network namespace (%v); the offline tools are not checked here", err)
	}
	if left, _ := os.ReadDir(wd); len(left) != 0 {
		t.Errorf("%v wrote %d files outside the data directory, in its working directory", args, len(left))
	}
	return string(out), err
}
