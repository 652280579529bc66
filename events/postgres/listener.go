package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// channel is the NOTIFY channel every committed batch signals.
const channel = "linkup_events"

// listener holds one connection LISTENing on channel and wakes the local
// subscriptions on each notification. A notification is only a wake-up:
// subscriptions poll every PollInterval anyway, so one lost while the
// connection is down costs latency, never an event. When the connection
// drops, the listener wakes everyone (they re-read) and reconnects with a
// growing pause (up to 5 s).
type listener struct {
	s      *Store
	cancel context.CancelFunc
	done   chan struct{}
}

const maxListenBackoff = 5 * time.Second

func startListener(s *Store) *listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{s: s, cancel: cancel, done: make(chan struct{})}
	go l.run(ctx)
	return l
}

func (l *listener) stop() {
	l.cancel()
	<-l.done
}

func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if l.listen(ctx) {
			backoff = 100 * time.Millisecond
		}
		if ctx.Err() != nil {
			return
		}
		l.s.metrics.listenDrops.Inc()
		l.s.notify.broadcast()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxListenBackoff)
	}
}

// listen connects, listens and wakes subscribers until the connection
// fails; it reports whether it got as far as listening.
func (l *listener) listen(ctx context.Context) bool {
	cfg := l.s.pool.Config().ConnConfig.Copy()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return false
	}
	l.s.notify.broadcast() // anything committed while we were not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true
		}
		l.s.notify.broadcast()
	}
}
