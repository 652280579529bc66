package main

import (
	"bufio"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/transport"
)

// loadClient is one simulated user: one connection at a time, a reader
// goroutine per connection and the action loop that writes.
type loadClient struct {
	spec ClientSpec
	job  *Job
	c    *counters

	wmu  sync.Mutex // serialises writes on conn
	conn net.Conn
	down chan struct{} // closed when the current connection's reader ends

	mu         sync.Mutex // guards the fields below
	tallies    map[string]*chatTally
	subscribed map[string]bool
	syncing    int
	resync     bool
	pongs      map[string]bool

	// Peer mode (Centrifugo): commands waiting for replies, the last
	// command id, where the connect reply is signalled, and the sender's
	// message numbers per stream and its stream generation (one more after
	// each reconnect).
	peer         bool
	gen          uint64
	calls        map[uint32]call
	lastID       uint32
	connectReply chan bool
	pubN         map[string]uint64

	// Delivery receipts (action loop only): the seq last confirmed per
	// chat and when.
	delivSent map[string]deliveryMark

	outstanding atomic.Int64
	unacked     uint64
	msgN        uint64
	phase       float64 // action loop only: the fraction of an action each due count starts at
	connected   bool
}

func newLoadClient(spec ClientSpec, job *Job, c *counters) *loadClient {
	lc := &loadClient{spec: spec, job: job, c: c, tallies: map[string]*chatTally{},
		subscribed: map[string]bool{}, pongs: map[string]bool{}}
	keys := spec.Chats
	if job.Target == targetCentrifugo { // tallies per sender and chat
		lc.peer, lc.calls, lc.pubN, keys = true, map[uint32]call{}, map[string]uint64{}, spec.Expect
	}
	for _, k := range keys {
		lc.tallies[k] = &chatTally{}
	}
	return lc
}

// url is the server this client dials.
func (lc *loadClient) url() string {
	if lc.spec.URL != "" {
		return lc.spec.URL
	}
	return lc.job.URL
}

// dial opens a connection and starts its reader.
func (lc *loadClient) dial(ctx context.Context) error {
	if lc.peer {
		return lc.dialCentrifugo(ctx)
	}
	tok, err := transport.IssueToken([]byte(lc.job.Secret), lc.spec.User, nil, 24*time.Hour)
	if err != nil {
		return err
	}
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cl, err := client.Dial(ctx, lc.url(), client.Options{Token: tok, LocalAddr: lc.job.LocalAddr})
	if err != nil {
		return err
	}
	lc.c.connLat.Record(time.Since(t0))
	down := make(chan struct{})
	lc.wmu.Lock()
	lc.conn, lc.down = cl.Conn(), down
	lc.wmu.Unlock()
	go lc.read(cl.Conn(), down)
	return nil
}

// read handles the server's frames until the connection ends.
func (lc *loadClient) read(conn net.Conn, down chan struct{}) {
	defer close(down)
	fr := frameReader{br: bufio.NewReaderSize(conn, 4096)}
	for {
		op, p, err := fr.next()
		if err != nil {
			return
		}
		switch op {
		case ws.OpPing:
			lc.writeControl(conn, ws.OpPong, p)
		case ws.OpClose:
			lc.writeControl(conn, ws.OpClose, p[:min(2, len(p))])
			return
		case ws.OpText:
			lc.handle(p)
		}
	}
}

func (lc *loadClient) writeControl(conn net.Conn, op ws.OpCode, p []byte) {
	var fw frameWriter
	fw.control(op, p)
	lc.wmu.Lock()
	defer lc.wmu.Unlock()
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_ = fw.flush(conn)
}

// write sends a batch on the current connection.
func (lc *loadClient) write(fw *frameWriter) error {
	lc.wmu.Lock()
	defer lc.wmu.Unlock()
	if lc.conn == nil {
		return errNotConnected
	}
	_ = lc.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return fw.flush(lc.conn)
}

// isDown reports whether the current connection has ended.
func (lc *loadClient) isDown() bool {
	lc.wmu.Lock()
	d := lc.down
	lc.wmu.Unlock()
	if d == nil {
		return true
	}
	select {
	case <-d:
		return true
	default:
		return false
	}
}

// tally returns the chat's tally (creating it for chats learnt late).
// Callers hold lc.mu.
func (lc *loadClient) tally(chat string) *chatTally {
	t := lc.tallies[chat]
	if t == nil {
		t = &chatTally{}
		lc.tallies[chat] = t
	}
	return t
}

// sendText sends one frame built by build.
func (lc *loadClient) sendText(payload []byte) error {
	var fw frameWriter
	fw.text(payload)
	return lc.write(&fw)
}

// ping asks for a pong with ref and returns once it came or wait ended.
func (lc *loadClient) ping(ctx context.Context, ref string, wait time.Duration) bool {
	send := func() error { return lc.sendText([]byte(`{"type":"ping","ref":"` + ref + `"}`)) }
	if lc.peer {
		send = func() error { return lc.pingCentrifugo(ref) }
	}
	if send() != nil {
		return false
	}
	return pollUntil(ctx, wait, func() bool {
		lc.mu.Lock()
		defer lc.mu.Unlock()
		return lc.pongs[ref]
	})
}

// pollUntil calls ok every 20 ms until it holds, ctx ends or wait passes.
func pollUntil(ctx context.Context, wait time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(wait)
	for !ok() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
