//go:build linux

package pgtest

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// URL returns the superuser URL of database "postgres" on s.
func (s *Server) URL() string { return s.base.String() }

// Owned reports whether pgtest started s (false for LINKUP_POSTGRES_URL),
// that is whether Kill, Restart and Password mean anything.
func (s *Server) Owned() bool { return !s.external }

// Port returns the TCP port s listens on (0 for an external server).
func (s *Server) Port() int { return s.port }

// DatabaseURL returns the URL of database name on s.
func (s *Server) DatabaseURL(name string) string {
	u := *s.base
	u.Path = "/" + name
	return u.String()
}

// Password returns the superuser password, for tests checking that it
// never leaks.
func (s *Server) Password() string {
	p, _ := s.base.User.Password()
	return p
}

// WithoutPassword returns rawURL with its password removed.
func WithoutPassword(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

// Kill sends SIGKILL to postgres and every backend it started, as a crash
// would, and waits until all of them are gone.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	if s.external {
		t.Skip(errExternal)
	}
	s.kill()
}

func (s *Server) kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	syscall.Kill(cmd.Process.Pid, syscall.SIGSTOP) // no new backend from here on
	leftovers := serverProcesses(s.dataDir())
	syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	for _, pid := range leftovers {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	<-exited
	waitGone(s.dataDir())
}

// serverProcesses returns the processes working in dataDir: the
// postmaster and its backends and helpers. Each backend is its own
// process group (postgres calls setsid in every child), so a group kill
// does not reach them; their working directory does.
func serverProcesses(dataDir string) []int {
	if real, err := filepath.EvalSymlinks(dataDir); err == nil {
		dataDir = real
	}
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && cwd == dataDir {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitGone kills whatever still works in dataDir and waits (up to 10 s)
// until nothing does: postgres refuses to start while any old backend
// still holds the old shared memory.
func waitGone(dataDir string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		pids := serverProcesses(dataDir)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Restart starts postgres again on the same directory and port, after Kill
// or Stop of the process (not after Stop removed the directory).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if s.external {
		t.Skip(errExternal)
	}
	s.kill()
	if err := s.launch(); err != nil {
		t.Fatalf("restart: %v", err)
	}
}

// Stop stops the server (fast shutdown, then SIGKILL if it lingers) and
// removes its directory. It is a no-op for an external server.
func (s *Server) Stop() {
	if s.external {
		return
	}
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd != nil {
		syscall.Kill(cmd.Process.Pid, syscall.SIGINT) // fast shutdown
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	s.removeDir()
}

func (s *Server) removeDir() {
	if s.dir != "" {
		removeAll(s.dir)
	}
}
