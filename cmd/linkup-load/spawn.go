package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// server is a linkup (or peer) process the tool started.
type server struct {
	cmd       *exec.Cmd
	dir       string
	addr      string
	url       string // the WebSocket URL clients dial
	secret    string // the JWT secret, when the tool chose it (peers)
	pprofAddr string
	done      chan error
}

var readyAddr = regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)

// spawnServer starts `bin serve` on a fresh data dir and waits for its ready
// line. Load-friendly rate limits come first; extra args win over them.
func spawnServer(bin string, extra []string, pprofAddr string) (*server, error) {
	dir, err := os.MkdirTemp("", "linkup-load-*")
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", dir,
		"--rate-messages", "1000000", "--rate-frames", "1000000", "--rate-typing", "1000000",
		"--rate-chats", "1000000", "--max-chats-per-user", "1000000"}
	if pprofAddr != "" {
		args = append(args, "--pprof-addr", pprofAddr)
	}
	s := &server{cmd: exec.Command(bin, append(args, extra...)...), dir: dir, pprofAddr: pprofAddr, done: make(chan error, 1)}
	s.cmd.Env = append(os.Environ(), "LINKUP_JWT_SECRET=")
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("linkup-load: start %s: %w", bin, err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	if s.addr, err = waitReady(stderr, filepath.Join(dir, "server.log")); err != nil {
		s.stop()
		return nil, err
	}
	s.url = "ws://" + s.addr + "/ws"
	return s, nil
}

// waitReady reads the server's log until the ready line (30 s at most),
// then copies the rest of it to logPath.
func waitReady(r io.Reader, logPath string) (string, error) {
	found := make(chan string, 1)
	log, _ := os.Create(logPath)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := sc.Text()
			if log != nil {
				fmt.Fprintln(log, line)
			}
			if m := readyAddr.FindStringSubmatch(line); m != nil && strings.Contains(line, "ready") {
				found <- m[1]
			}
		}
	}()
	select {
	case a := <-found:
		return a, nil
	case <-time.After(30 * time.Second):
		return "", fmt.Errorf("linkup-load: no ready line from the server in 30s (log: %s)", logPath)
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM, waits 20 s, then kills; the data dir is removed,
// unless the server had already exited (its log is kept to read).
func (s *server) stop() {
	select {
	case err := <-s.done: // it died during the run: keep its log
		fmt.Fprintf(os.Stderr, "linkup-load: the server exited during the run (%v); log kept in %s\n", err, s.dir)
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	_ = os.RemoveAll(s.dir)
}
