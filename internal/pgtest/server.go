//go:build linux

package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// nobody is the uid and gid the server runs as when the test process is root.
const nobody = 65534

// readyTimeout bounds how long a start or restart may take.
const readyTimeout = 60 * time.Second

// Server is one PostgreSQL server: started by pgtest (it owns the data
// directory and the process) or external (LINKUP_POSTGRES_URL).
type Server struct {
	base     *url.URL // superuser URL of database "postgres"
	external bool

	mu     sync.Mutex
	bin    string
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	logf   *os.File
}

// Start starts a new server for t alone; t.Cleanup stops it and removes its
// directory. With LINKUP_POSTGRES_URL set it returns that server instead.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start()
	if err != nil {
		unavailable(t, "%v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// start starts a server (or wraps the external one) without a test.
func start() (*Server, error) {
	if raw := os.Getenv(URLEnv); raw != "" {
		return external(raw)
	}
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if err := s.init(); err != nil {
		s.removeDir()
		return nil, err
	}
	if err := s.launchOnFreePort(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// launchOnFreePort picks a free port and starts postgres on it, picking
// another if something else took the port in between (up to 3 tries).
func (s *Server) launchOnFreePort() error {
	var err error
	for range 3 {
		if s.port, err = freePort(); err != nil {
			return err
		}
		s.base.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
		if err = s.launch(); err == nil || !strings.Contains(err.Error(), "could not bind") {
			return err
		}
	}
	return err
}

func external(raw string) (*Server, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %s is not a URL", URLEnv)
	}
	return &Server{base: u, external: true}, nil
}

// init creates the directory and runs initdb in it.
func (s *Server) init() error {
	dir, err := os.MkdirTemp("", "linkup-pg-")
	if err != nil {
		return fmt.Errorf("pgtest: temp dir: %w", err)
	}
	s.dir = dir
	password := randomHex(12)
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if err := chownTree(dir); err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(s.bin, "initdb"), "-D", s.dataDir(), "-U", "postgres",
		"--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
		"-E", "UTF8", "--locale=C", "--no-sync")
	s.setCredential(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: initdb: %v: %s", err, out)
	}
	os.Remove(pwfile)
	s.base = &url.URL{Scheme: "postgres", User: url.UserPassword("postgres", password),
		Path: "/postgres", RawQuery: "sslmode=disable"}
	return nil
}

func (s *Server) dataDir() string { return filepath.Join(s.dir, "data") }

// launch starts postgres on the existing data directory and waits until it
// accepts connections.
func (s *Server) launch() error {
	logf, err := os.OpenFile(filepath.Join(s.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: log: %w", err)
	}
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", s.dataDir(),
		"-p", strconv.Itoa(s.port), "-h", "127.0.0.1", "-k", s.dir,
		"-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "max_connections=200",
		"-c", "shared_buffers=32MB", "-c", "logging_collector=off")
	cmd.Stdout, cmd.Stderr = logf, logf
	s.setCredential(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	s.mu.Lock()
	s.cmd, s.exited, s.logf = cmd, exited, logf
	s.mu.Unlock()
	return s.waitReady(exited)
}

func (s *Server) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("pgtest: postgres exited at start; log: %s", s.logTail())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.base.String())
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("pgtest: postgres not ready after %s; log: %s", readyTimeout, s.logTail())
}

// logTail returns the end of the server log, for error messages.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "postgres.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// setCredential makes cmd run as nobody, in its own process group, when the
// test process is root.
func (s *Server) setCredential(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: nobody, Gid: nobody}
	}
}

func chownTree(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, nobody, nobody)
	})
	if err != nil {
		return fmt.Errorf("pgtest: chown %s to nobody: %w", dir, err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// errExternal says the server is not the test's to kill or restart.
var errExternal = errors.New("pgtest: server from " + URLEnv + " cannot be killed or restarted by a test")
