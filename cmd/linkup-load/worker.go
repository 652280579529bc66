package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// worker runs one Job's clients through the phases the parent drives.
type worker struct {
	job     Job
	c       counters
	clients []*loadClient
	in      *json.Decoder
	out     *json.Encoder
}

// runWorker reads a Job and then commands from in, and writes one Report
// per phase to out. It returns when the drain phase has reported.
func runWorker(ctx context.Context, in io.Reader, out io.Writer) error {
	w := &worker{in: json.NewDecoder(bufio.NewReader(in)), out: json.NewEncoder(out)}
	if err := w.in.Decode(&w.job); err != nil {
		return fmt.Errorf("linkup-load: worker job: %w", err)
	}
	for _, s := range w.job.Clients {
		w.clients = append(w.clients, newLoadClient(s, &w.job, &w.c))
	}
	steps := []struct {
		cmd string
		run func(context.Context, Command) Report
	}{{"", w.connect}, {"create", w.create}, {"go", w.traffic}, {"drain", w.drain}}
	for _, st := range steps {
		var cmd Command
		if st.cmd != "" {
			if err := w.in.Decode(&cmd); err != nil || cmd.Cmd != st.cmd {
				return fmt.Errorf("linkup-load: worker expected %q: %v %w", st.cmd, cmd.Cmd, err)
			}
		}
		if err := w.out.Encode(st.run(ctx, cmd)); err != nil {
			return err
		}
	}
	return nil
}

// each runs f for every client, at most n at a time.
func (w *worker) each(n int, f func(*loadClient)) {
	sem := make(chan struct{}, max(n, 1))
	var wg sync.WaitGroup
	for _, lc := range w.clients {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(lc)
		}()
	}
	wg.Wait()
}

// connect dials every client and waits for a pong on each, so the server
// has attached them before any chat is created.
func (w *worker) connect(ctx context.Context, _ Command) Report {
	var mu sync.Mutex
	r := Report{Phase: "connected"}
	w.each(w.job.Dialers, func(lc *loadClient) {
		err := lc.dial(ctx)
		ok := err == nil && lc.ping(ctx, "p", 30*time.Second)
		mu.Lock()
		defer mu.Unlock()
		lc.connected = ok
		if ok {
			r.Count++
		} else {
			r.Failed++
			w.c.countErr("client_connect_failed", fmt.Sprint(err))
		}
	})
	return r
}

// create sends this worker's create_chat commands (a peer's clients
// subscribe to their chats instead), then waits until each client has seen
// chat_created (a peer: the subscribe reply) for each of its chats.
func (w *worker) create(ctx context.Context, _ Command) Report {
	for _, lc := range w.clients {
		if lc.peer {
			if lc.connected && lc.subscribeAll() != nil {
				w.c.countErr("client_subscribe_failed", "write failed")
			}
			continue
		}
		for _, ch := range lc.spec.Creates {
			b, _ := json.Marshal(map[string]any{"type": "create_chat", "ref": "c", "chat_id": ch.ID, "title": ch.ID, "members": ch.Members})
			if err := lc.sendText(b); err != nil {
				w.c.countErr("client_create_failed", err.Error())
			}
		}
	}
	r := Report{Phase: "subscribed"}
	var mu sync.Mutex
	w.each(len(w.clients), func(lc *loadClient) {
		ok := lc.connected && pollUntil(ctx, 60*time.Second, func() bool {
			lc.mu.Lock()
			defer lc.mu.Unlock()
			return len(lc.subscribed) >= len(lc.spec.Chats)
		})
		mu.Lock()
		defer mu.Unlock()
		if ok {
			r.Count++
		} else {
			r.Failed++
		}
	})
	return r
}

// traffic runs every client's action loop and reports the highest seq it
// knows of per chat.
func (w *worker) traffic(ctx context.Context, _ Command) Report {
	start := time.Now()
	w.each(len(w.clients), func(lc *loadClient) {
		if lc.connected {
			lc.run(ctx, start)
		}
	})
	last := map[string]uint64{}
	for _, lc := range w.clients {
		lc.mu.Lock()
		for chat, t := range lc.tallies {
			last[chat] = max(last[chat], t.maxSeen)
		}
		lc.mu.Unlock()
	}
	return Report{Phase: "sent", Last: last}
}

// drain waits for every client to be complete, then accounts.
func (w *worker) drain(ctx context.Context, cmd Command) Report {
	res := &Result{Clients: len(w.clients)}
	var mu sync.Mutex
	w.each(len(w.clients), func(lc *loadClient) {
		alive := lc.drain(ctx, cmd.Last, w.job.Drain)
		mu.Lock()
		defer mu.Unlock()
		if alive {
			res.Alive++
		}
	})
	for _, lc := range w.clients {
		lc.account(cmd.Last, res)
		if lc.connected {
			res.Connected++
		} else {
			res.ConnectFailed++
		}
		if lc.conn != nil {
			_ = lc.conn.Close()
		}
	}
	w.c.fill(res)
	return Report{Phase: "done", Result: res}
}
