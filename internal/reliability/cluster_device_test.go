//go:build linux

package reliability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// ackWait is how long a device waits for the answer to a send before it
// gives up on its node (a frozen or cut-off node) and moves to another.
const ackWait = 4 * time.Second

// device is one user's client in the busy chat, as a real app behaves: it
// connects to a node, sends `sync_request` from the last seq it holds as
// its first frame, then (a writer) sends one message at a time with a
// client_msg_id, or (a reader) only listens. When its connection ends
// (the node died, drained, or stopped answering for ackWait) it moves to
// the next node and resends what was not acknowledged, with the same
// client_msg_id.
//
// It records every promise it sees broken: a seq delivered twice on one
// connection or at or below the position its sync named, live items out
// of seq order, two different messages at one seq, one message
// acknowledged at two seqs, an error other than `unavailable`.
type device struct {
	name, user, tok string
	urls            []string
	at              int // the node it connects to next
	writer          bool
	probe           bool // a listener pings every second and moves when no pong comes within ackWait

	// owned by the run goroutine; read by the test after run returned
	acked      map[string]uint64 // client_msg_id -> acknowledged seq
	have       map[uint64]string // seq -> client_msg_id of every item held
	pos        uint64            // every seq 1..pos is held
	sent       int
	inflight   string
	conns      int            // connections opened
	nodesUsed  map[int]int    // node index -> connections
	forced     map[string]int // force_reconnect reason -> count
	errs       map[string]int // error code -> count (unavailable resends)
	ends       map[string]int // how connections ended -> count
	violations []string

	idle      atomic.Bool  // stopped sending and nothing in flight
	onNode    atomic.Int32 // node of the open connection, -1 between connections
	shutdowns atomic.Int32 // force_reconnect (shutdown) received
	acks      *atomic.Int64
}

func newDevice(c *testCluster, name string, at int, writer bool) *device {
	return &device{name: name, user: name, tok: c.token(name), urls: c.urls(), at: at, writer: writer,
		acked: map[string]uint64{}, have: map[uint64]string{}, nodesUsed: map[int]int{},
		forced: map[string]int{}, errs: map[string]int{}, ends: map[string]int{}}
}

// load is the devices running against a cluster.
type load struct {
	devs     []*device
	stopSend chan struct{}
	target   atomic.Uint64 // the head every device must reach (0: not yet known)
	acks     atomic.Int64  // acknowledged sends, all devices
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// startLoad runs every device until finish (bounded by limit overall).
func startLoad(devs []*device, limit time.Duration) *load {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	l := &load{devs: devs, stopSend: make(chan struct{}), cancel: cancel}
	for _, d := range devs {
		d.acks = &l.acks
		d.onNode.Store(-1)
		l.wg.Go(func() { d.run(ctx, l) })
	}
	return l
}

// waitAcks waits (bounded) until n more sends than now are acknowledged:
// the cluster serves writes.
func (l *load) waitAcks(t *testing.T, n int64, within time.Duration, what string) {
	t.Helper()
	want := l.acks.Load() + n
	poll.Until(t, within, fmt.Sprintf("%d more acknowledged sends %s", n, what), func() bool { return l.acks.Load() >= want })
}

// on returns the devices connected to node i now.
func (l *load) on(i int) []*device {
	var out []*device
	for _, d := range l.devs {
		if d.onNode.Load() == int32(i) {
			out = append(out, d)
		}
	}
	return out
}

// finish stops new sends, waits (30 s) until every writer has its last
// message acknowledged, reads the head from the log, and waits (15 s)
// until every device holds 1..head. It returns the head.
func (l *load) finish(t *testing.T, c *testCluster) uint64 {
	t.Helper()
	defer l.cancel()
	close(l.stopSend)
	if !poll.Within(30*time.Second, func() bool {
		for _, d := range l.devs {
			if !d.idle.Load() {
				return false
			}
		}
		return true
	}) {
		l.cancel()
		l.wg.Wait()
		for _, d := range l.devs {
			if !d.idle.Load() {
				t.Errorf("%s: message %q not acknowledged within 30 s of the end of the load (errors %v)", d.name, d.inflight, d.errs)
			}
		}
		t.FailNow()
	}
	head := c.head()
	l.target.Store(max(head, 1))
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		l.cancel()
		<-done
	}
	for _, d := range l.devs {
		if d.pos < head {
			t.Errorf("%s holds 1..%d of 1..%d within 15 s of the last ack (connections %d, nodes %v, missing seq %d)",
				d.name, d.pos, head, d.conns, d.nodesUsed, d.pos+1)
		}
	}
	return head
}

// done reports whether the device has nothing left to do.
func (d *device) done(l *load) bool {
	t := l.target.Load()
	return t > 0 && d.pos >= t && d.inflight == ""
}

// sending reports whether a writer has something to send (and keeps
// idle up to date for finish).
func (d *device) sending(l *load) bool {
	stopped := false
	select {
	case <-l.stopSend:
		stopped = true
	default:
	}
	busy := d.writer && (d.inflight != "" || !stopped)
	d.idle.Store(!busy)
	return busy
}

// run connects, runs a session, moves to the next node, until done or ctx.
func (d *device) run(ctx context.Context, l *load) {
	for d.sending(l); ctx.Err() == nil && !d.done(l); d.sending(l) {
		dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		c, err := client.Dial(dctx, d.urls[d.at], client.Options{Token: d.tok})
		cancel()
		if err == nil {
			d.conns++
			d.nodesUsed[d.at]++
			d.onNode.Store(int32(d.at))
			d.session(ctx, l, c)
			d.onNode.Store(-1)
			c.Close()
		}
		if d.done(l) {
			return
		}
		d.at = (d.at + 1) % len(d.urls)
		sleepCtx(ctx, 50*time.Millisecond)
	}
}

// conn is one connection's reading side and what it has delivered.
type conn struct {
	c         *client.Client
	frames    chan client.Frame
	err       chan error
	quit      chan struct{} // the session ended: the reader stops handing frames over
	node      int
	syncFrom  uint64
	delivered map[uint64]bool
	live      bool   // sync_complete came
	lastLive  uint64 // highest seq delivered so far
}

func (d *device) open(c *client.Client) *conn {
	cn := &conn{c: c, frames: make(chan client.Frame, 256), err: make(chan error, 1), quit: make(chan struct{}), node: d.at,
		syncFrom: d.pos, delivered: map[uint64]bool{}, lastLive: d.pos}
	go func() {
		for {
			f, err := c.Next(time.Hour) // the session's timers decide; Close ends this
			if err != nil {
				cn.err <- err
				return
			}
			select {
			case cn.frames <- f:
			case <-cn.quit:
				return
			}
		}
	}()
	return cn
}

// session syncs, then sends (a writer) or listens until the connection
// ends or the device is done.
func (d *device) session(ctx context.Context, l *load, c *client.Client) {
	cn := d.open(c)
	defer close(cn.quit)
	if !d.sync(ctx, cn) {
		return
	}
	cn.live = true
	lastPing := time.Now()
	for ctx.Err() == nil && !d.done(l) {
		if d.sending(l) {
			if !d.sendOne(ctx, cn) {
				return
			}
			continue
		}
		if d.probe && time.Since(lastPing) > time.Second {
			lastPing = time.Now()
			ref := fmt.Sprintf("ping-%s-%d", d.name, lastPing.UnixNano())
			if cn.c.Send(map[string]any{"type": "ping", "ref": ref}) != nil {
				d.ends["send failed"]++
				d.drainUntilEnd(cn)
				return
			}
			if _, ok := d.await(ctx, cn, ref, ackWait); !ok {
				return
			}
		}
		select {
		case f := <-cn.frames:
			d.handle(cn, f)
		case err := <-cn.err:
			d.drain(cn)
			d.ended(err)
			return
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// sync sends `sync_request` from the device's position (the
// connection's first frame), and again from the new position while the
// answer says the chat was truncated.
func (d *device) sync(ctx context.Context, cn *conn) bool {
	for i := 0; ; i++ {
		ref := fmt.Sprintf("sync-%s-%d-%d", d.name, d.conns, i)
		msg := map[string]any{"type": "sync_request", "ref": ref, "limit": 5000, "positions": map[string]uint64{clusterChat: d.pos}}
		if cn.c.Send(msg) != nil {
			return false
		}
		f, ok := d.await(ctx, cn, ref, 10*time.Second)
		if !ok || f.Type != "sync_complete" {
			if ok {
				d.fail("sync_request: %s", f.Raw)
				d.ends["sync refused: "+f.Str("code")]++
			}
			return false
		}
		var answer struct {
			Chats map[string]struct {
				Truncated bool `json:"truncated"`
			} `json:"chats"`
		}
		if err := f.Decode(&answer); err != nil || !answer.Chats[clusterChat].Truncated {
			return err == nil
		}
	}
}

// sendOne sends the message in flight (or a new one) and waits for its
// answer; false means the connection is gone or silent.
func (d *device) sendOne(ctx context.Context, cn *conn) bool {
	if d.inflight == "" {
		d.sent++
		d.inflight = fmt.Sprintf("%s-%d", d.user, d.sent)
	}
	msg := map[string]any{"type": "send_message", "ref": d.inflight, "chat_id": clusterChat, "client_msg_id": d.inflight, "body": "m " + d.inflight}
	if cn.c.Send(msg) != nil {
		d.ends["send failed"]++
		d.drainUntilEnd(cn)
		return false
	}
	f, ok := d.await(ctx, cn, d.inflight, ackWait)
	if !ok {
		return false
	}
	if f.Type == "ack" {
		seq := uint64(f.Num("seq"))
		if prev, ok := d.acked[d.inflight]; ok && prev != seq {
			d.fail("%s acknowledged at seq %d and later at seq %d", d.inflight, prev, seq)
		}
		d.acked[d.inflight] = seq
		d.acks.Add(1)
		d.record(seq, d.inflight)
		d.inflight = ""
		return true
	}
	code := f.Str("code")
	d.errs[code]++
	if code != "unavailable" {
		d.fail("send %s: %s", d.inflight, f.Raw)
		d.inflight = "" // not resent: the failure is reported
	}
	sleepCtx(ctx, 20*time.Millisecond)
	return true
}

// await handles frames until the answer to ref (ack, error or
// sync_complete) or until wait passes.
func (d *device) await(ctx context.Context, cn *conn, ref string, wait time.Duration) (client.Frame, bool) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case f := <-cn.frames:
			if f.Ref() == ref && (f.Type == "ack" || f.Type == "error" || f.Type == "sync_complete" || f.Type == "pong") {
				return f, true
			}
			d.handle(cn, f)
		case err := <-cn.err:
			d.drain(cn)
			d.ended(err)
			return client.Frame{}, false
		case <-timer.C:
			d.ends[fmt.Sprintf("no answer in %v", wait)]++
			return client.Frame{}, false
		case <-ctx.Done():
			return client.Frame{}, false
		}
	}
}

// ended counts how a connection ended: the server's close code, or the
// connection lost without one.
func (d *device) ended(err error) {
	if code := client.CloseCode(err); code != 0 {
		d.ends[fmt.Sprintf("close %d", code)]++
	} else {
		d.ends["lost"]++
	}
}

// drain handles the frames read before the connection ended (the reader
// queues them before it reports the end): a force_reconnect, the last
// items.
// drainUntilEnd handles the frames the connection received before a send
// to it failed (a force_reconnect that came just before the close) until
// its reader reports the end, for at most two seconds.
func (d *device) drainUntilEnd(cn *conn) {
	deadline := time.After(2 * time.Second)
	for {
		select {
		case f := <-cn.frames:
			d.handle(cn, f)
		case <-cn.err:
			d.drain(cn)
			return
		case <-deadline:
			return
		}
	}
}

func (d *device) drain(cn *conn) {
	for {
		select {
		case f := <-cn.frames:
			d.handle(cn, f)
		default:
			return
		}
	}
}

// timelineTypes are the frames that carry a chat's seq.
var timelineTypes = map[string]bool{"message": true, "message_edited": true, "message_deleted": true, "members_changed": true}

func (d *device) handle(cn *conn, f client.Frame) {
	switch {
	case f.Type == "force_reconnect":
		d.forced[f.Str("reason")]++
		if f.Str("reason") == "shutdown" {
			d.shutdowns.Add(1)
		}
	case timelineTypes[f.Type] && f.Str("chat_id") == clusterChat:
		seq := uint64(f.Num("seq"))
		if seq <= cn.syncFrom || cn.delivered[seq] {
			d.fail("seq %d delivered twice on one connection to n%d (synced from %d)", seq, cn.node, cn.syncFrom)
		}
		if cn.live && seq < cn.lastLive {
			d.fail("live seq %d after seq %d on one connection to n%d", seq, cn.lastLive, cn.node)
		}
		cn.delivered[seq] = true
		cn.lastLive = max(cn.lastLive, seq)
		d.record(seq, f.Str("client_msg_id"))
	}
}

// record keeps item seq; a different message at a seq already held is a
// fork.
func (d *device) record(seq uint64, cmid string) {
	if prev, ok := d.have[seq]; ok && prev != cmid {
		d.fail("seq %d forked: %q and %q", seq, prev, cmid)
	}
	d.have[seq] = cmid
	for {
		if _, ok := d.have[d.pos+1]; !ok {
			break
		}
		d.pos++
	}
}

func (d *device) fail(format string, args ...any) {
	if len(d.violations) < 20 {
		d.violations = append(d.violations, fmt.Sprintf(format, args...))
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// dialClient connects a plain client for setup steps.
func dialClient(t *testing.T, url, tok string) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, client.Options{Token: tok})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return c
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
