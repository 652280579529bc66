package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/transport"
)

// dialCentrifugo opens a WebSocket to Centrifugo, starts its reader and
// sends the connect command with a JWT (HS256, sub and exp, the same
// token linkup takes); it returns once the connect reply came. The connect
// latency is the handshake plus the connect round trip.
func (lc *loadClient) dialCentrifugo(ctx context.Context) error {
	tok, err := transport.IssueToken([]byte(lc.job.Secret), lc.spec.User, nil, 24*time.Hour)
	if err != nil {
		return err
	}
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	d := ws.Dialer{Timeout: 10 * time.Second}
	if lc.job.LocalAddr != "" {
		nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(lc.job.LocalAddr)}, Timeout: 10 * time.Second}
		d.NetDial = nd.DialContext
	}
	conn, br, _, err := d.Dial(ctx, lc.url())
	if err != nil {
		return err
	}
	var r io.Reader = conn
	if br != nil { // frames sent right after the handshake are buffered here
		r = io.MultiReader(br, conn)
	}
	down, answered := make(chan struct{}), make(chan bool, 1)
	lc.mu.Lock()
	lc.calls, lc.subscribed, lc.connectReply = map[uint32]call{}, map[string]bool{}, answered
	lc.mu.Unlock()
	lc.wmu.Lock()
	lc.conn, lc.down = conn, down
	lc.wmu.Unlock()
	go lc.readFrom(conn, r, down)
	id := lc.newCall(call{kind: callConnect, sent: t0.UnixNano()})
	if err := lc.sendText(appendCentrifugoConnect(nil, id, tok)); err != nil {
		return err
	}
	select {
	case ok := <-answered:
		if ok {
			return nil
		}
	case <-down:
	case <-ctx.Done():
	}
	_ = conn.Close()
	return errPeerConnect
}

// newCall registers a command waiting for its reply and returns its id.
func (lc *loadClient) newCall(c call) uint32 {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.lastID++
	lc.calls[lc.lastID] = c
	return lc.lastID
}

// subscribeAll sends a subscribe command for each of the client's chats;
// replies mark them subscribed.
func (lc *loadClient) subscribeAll() error {
	var fw frameWriter
	for _, ch := range lc.spec.Chats {
		fw.text(appendCentrifugoSubscribe(nil, lc.newCall(call{kind: callSubscribe, chat: ch}), ch))
	}
	return lc.write(&fw)
}

// pingCentrifugo sends a ping command whose reply sets pongs[ref].
func (lc *loadClient) pingCentrifugo(ref string) error {
	return lc.sendText(appendCentrifugoPing(nil, lc.newCall(call{kind: callPing, ref: ref})))
}

// nextPublish appends the client's next publish command.
func (lc *loadClient) nextPublish(b []byte) []byte {
	lc.msgN++
	chat := lc.pickChat()
	now := time.Now().UnixNano()
	lc.mu.Lock()
	key := peerGenKey(chat, lc.spec.User, lc.gen)
	lc.pubN[key]++
	n := lc.pubN[key]
	lc.mu.Unlock()
	id := lc.newCall(call{kind: callPublish, chat: chat, key: key, n: n, sent: now})
	return appendCentrifugoPublish(b, id, chat, key, n, now, lc.job.BodyBytes)
}

// readFrom handles the server's frames until the connection ends (the
// peer variant of read: its reader may hold bytes read with the handshake).
func (lc *loadClient) readFrom(conn net.Conn, r io.Reader, down chan struct{}) {
	defer close(down)
	fr := frameReader{br: bufio.NewReaderSize(r, 4096)}
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
			for line, rest := nextLine(p); len(line) > 0 || len(rest) > 0; line, rest = nextLine(rest) {
				lc.onCentrifugo(line)
			}
		}
	}
}

// onCentrifugo accounts for one message of a Centrifugo frame.
func (lc *loadClient) onCentrifugo(p []byte) {
	switch centrifugoKind(p) {
	case cfPing:
		_ = lc.sendText([]byte("{}"))
	case cfReply:
		lc.onCentrifugoReply(p)
	case cfPush:
		lc.onPublication(p)
	default:
		if len(p) > 0 {
			lc.c.countErr("client_unknown_centrifugo_message", string(p[:min(len(p), 200)]))
		}
	}
}

// onCentrifugoReply matches a reply to its command.
func (lc *loadClient) onCentrifugoReply(p []byte) {
	now := time.Now().UnixNano()
	id := uint32(numField(p, "id"))
	failed := fieldAt(p, "error") >= 0
	lc.mu.Lock()
	c, ok := lc.calls[id]
	delete(lc.calls, id)
	lc.mu.Unlock()
	if !ok {
		lc.c.countErr("client_unexpected_centrifugo_reply", string(p[:min(len(p), 200)]))
		return
	}
	if failed && c.kind != callPing { // a ping's error (no such RPC method) is its answer
		lc.c.countErr("centrifugo_error_"+strconv.FormatUint(numField(p, "code"), 10), string(p[:min(len(p), 200)]))
	}
	switch c.kind {
	case callConnect:
		if !failed {
			lc.c.connLat.Record(time.Duration(now - c.sent))
		}
		lc.mu.Lock()
		answered := lc.connectReply
		lc.mu.Unlock()
		select {
		case answered <- !failed:
		default:
		}
	case callSubscribe:
		lc.mu.Lock()
		lc.subscribed[c.chat] = lc.subscribed[c.chat] || !failed
		lc.mu.Unlock()
	case callPing:
		lc.mu.Lock()
		lc.pongs[c.ref] = true
		lc.mu.Unlock()
	case callPublish:
		lc.outstanding.Add(-1)
		if failed {
			return
		}
		lc.mu.Lock()
		lc.tally(c.key).acked(c.n)
		lc.mu.Unlock()
		lc.c.acked.Add(1)
		lc.c.ackLat.Record(time.Duration(now - c.sent))
	}
}

// onPublication accounts for one publication push: a delivery from
// another sender, or the copy of the client's own message, which
// Centrifugo sends back to a publisher subscribed to the channel (counted
// as echoed, not delivered: linkup sends the sender an ack instead).
func (lc *loadClient) onPublication(p []byte) {
	now := time.Now().UnixNano()
	key, n, sent := publicationFields(p)
	if key == nil || n == 0 {
		lc.c.countErr("client_foreign_publication", string(p[:min(len(p), 200)]))
		return
	}
	if _, sender := splitPeerKey(string(key)); sender == lc.spec.User {
		lc.mu.Lock()
		lc.tally(string(key)).acked(n)
		lc.mu.Unlock()
		lc.c.echoed.Add(1)
		return
	}
	lc.deliver(key, n, sent, now)
}
