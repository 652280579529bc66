package pgtest

import (
	"net/url"
	"syscall"
	"testing"
	"time"
)

// URL returns the superuser URL of database "postgres" on s.
func (s *Server) URL() string { return s.base.String() }

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
// would, and waits for the postmaster to be gone.
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
	pgid := cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-exited
	waitGroupGone(pgid)
}

// waitGroupGone waits (up to 10 s) until no process of group pgid is left:
// the backends got the SIGKILL too, and Restart needs them gone, since
// postgres refuses to start while any process still holds the old shared
// memory.
func waitGroupGone(pgid int) {
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(-pgid, 0) == nil && time.Now().Before(deadline) {
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
