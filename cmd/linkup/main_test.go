package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/internal/pgtest"
)

// TestMain lets tests run this test binary as the linkup command itself
// (LINKUP_TEST_MAIN=1), so process tests need no separate build; with
// LINKUP_TEST_DIAL=addr as well it only dials addr (a sandbox's control).
func TestMain(m *testing.M) {
	if os.Getenv("LINKUP_TEST_MAIN") == "1" {
		if addr := os.Getenv("LINKUP_TEST_DIAL"); addr != "" {
			controlDial(addr)
		}
		main()
		return
	}
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

// controlDial dials addr and exits: 0 if it connected, 3 if not.
func controlDial(addr string) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		fmt.Println("dial failed:", err)
		os.Exit(3)
	}
	c.Close()
	fmt.Println("dial connected")
	os.Exit(0)
}

// proc is a linkup process started by a test.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs *strings.Builder
	done chan error
}

var readyLine = regexp.MustCompile(`linkup ready.* addr=(\S+)`)

// startServe runs `linkup serve --addr 127.0.0.1:0 --data dir extra...`
// and waits for its ready line.
func startServe(t *testing.T, dir string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, extra...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "LINKUP_TEST_MAIN=1")
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
	case <-time.After(20 * time.Second):
		t.Fatalf("no ready line; logs:\n%s", p.logs)
	}
	return p
}

func (p *proc) scan(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		p.logs.WriteString(line + "\n")
		if m := readyLine.FindStringSubmatch(line); m != nil {
			addr <- m[1]
		}
	}
}

func (p *proc) url() string { return "ws://" + p.addr + "/ws" }

// stop sends sig and returns the exit code.
func (p *proc) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("did not exit after %v; logs:\n%s", sig, p.logs)
	}
	return p.cmd.ProcessState.ExitCode()
}

// tokenFor runs `linkup token` in-process and returns its last line.
func tokenFor(t *testing.T, dir, user string, extra ...string) string {
	t.Helper()
	code, out, errs := runCLI(append([]string{"token", "--data", dir, "--user", user}, extra...)...)
	if code != 0 {
		t.Fatalf("token: exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

var _ = context.Background
