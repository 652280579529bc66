package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/internal/rlimit"
)

// workerHandle is the parent's end of one worker.
type workerHandle struct {
	pid     int // the worker process (this process when in process)
	enc     *json.Encoder
	reports chan Report
	wait    func() error
}

// startWorker runs a worker as `<self> worker` or, in process, as a goroutine.
func startWorker(ctx context.Context, job Job, inProcess bool) (*workerHandle, error) {
	var stdin io.WriteCloser
	var stdout io.Reader
	h := &workerHandle{reports: make(chan Report, 4), pid: os.Getpid()}
	if inProcess {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		errc := make(chan error, 1)
		go func() { err := runWorker(ctx, inR, outW); _ = outW.CloseWithError(io.EOF); errc <- err }()
		stdin, stdout, h.wait = inW, outR, func() error { return <-errc }
	} else {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, self, "worker")
		cmd.Stderr = os.Stderr
		if stdin, err = cmd.StdinPipe(); err != nil {
			return nil, err
		}
		if stdout, err = cmd.StdoutPipe(); err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		h.wait, h.pid = cmd.Wait, cmd.Process.Pid
	}
	h.enc = json.NewEncoder(stdin)
	go h.readReports(stdout)
	return h, h.enc.Encode(job)
}

func (h *workerHandle) readReports(r io.Reader) {
	dec := json.NewDecoder(r)
	defer close(h.reports)
	for {
		var rep Report
		if dec.Decode(&rep) != nil {
			return
		}
		h.reports <- rep
	}
}

// collect waits for every worker's report of phase, at most timeout.
func collect(ws []*workerHandle, phase string, timeout time.Duration) ([]Report, error) {
	deadline := time.After(timeout)
	out := make([]Report, 0, len(ws))
	for i, w := range ws {
		select {
		case rep, ok := <-w.reports:
			if !ok || rep.Phase != phase {
				return nil, fmt.Errorf("%w: worker %d: want %s, got %q (%v)", errWorker, i, phase, rep.Phase, ok)
			}
			out = append(out, rep)
		case <-deadline:
			return nil, fmt.Errorf("%w: no %s report within %v", errWorker, phase, timeout)
		}
	}
	return out, nil
}

// broadcast sends cmd to every worker.
func broadcast(ws []*workerHandle, cmd Command) error {
	for _, w := range ws {
		if err := w.enc.Encode(cmd); err != nil {
			return fmt.Errorf("%w: send %s: %v", errWorker, cmd.Cmd, err)
		}
	}
	return nil
}

// raiseNoFile lifts the soft open-file limit to the hard one.
func raiseNoFile() { _ = rlimit.RaiseOpenFiles() }

// resolveSecret returns the signing key: --secret, else <data>/jwt.secret.
func resolveSecret(cfg *Config) (string, error) {
	if cfg.Secret != "" {
		return cfg.Secret, nil
	}
	if cfg.Data == "" {
		return "", fmt.Errorf("%w: give --secret (LINKUP_JWT_SECRET) or --data DIR", errBadConfig)
	}
	b, err := os.ReadFile(filepath.Join(cfg.Data, "jwt.secret"))
	if err != nil {
		return "", fmt.Errorf("linkup-load: read secret: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// workersCPU is the CPU seconds the distinct worker processes have used.
func workersCPU(ws []*workerHandle) float64 {
	seen := map[int]bool{}
	var cpu float64
	for _, w := range ws {
		if !seen[w.pid] {
			seen[w.pid] = true
			cpu += procCPU(w.pid)
		}
	}
	return cpu
}
