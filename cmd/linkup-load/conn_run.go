package main

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// rates are the due counts of each action kind since the start.
type dues struct{ msgs, typing, receipts, syncs uint64 }

// run is the client's traffic phase: from start for the job's duration,
// paced actions, churn reconnects, and a reconnect when the server dropped
// the connection. It then waits (bounded) for outstanding acks.
//
// Clients are out of step with each other, as real users are: each one
// starts its ticks at a random offset within one tick and its due counts
// at a random fraction of one action (lc.phase). In lockstep, every
// client of a chats run sent at the same instants, so the server (any
// server) took a burst of one message per client at once and the run
// measured the burst's queue rather than a message's path.
func (lc *loadClient) run(ctx context.Context, start time.Time) {
	end := start.Add(lc.job.Duration)
	s := lc.spec
	total := s.MsgRate + s.TypingRate + s.ReceiptRate + s.SyncRate
	tick := time.Second
	if total > 0 {
		tick = min(max(time.Duration(float64(time.Second)/total), time.Millisecond), 100*time.Millisecond)
	}
	nextChurn := end
	if s.ChurnEvery > 0 {
		nextChurn = start.Add(time.Duration(rand.Int64N(int64(s.ChurnEvery))))
	}
	lc.phase = rand.Float64()
	time.Sleep(time.Duration(rand.Int64N(int64(tick))))
	var done dues
	for now := time.Now(); now.Before(end) && ctx.Err() == nil; now = time.Now() {
		if lc.isDown() || !now.Before(nextChurn) {
			if !now.Before(nextChurn) {
				nextChurn = nextChurn.Add(s.ChurnEvery)
			}
			if lc.reconnect(ctx) != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
		}
		lc.act(now.Sub(start).Seconds(), &done)
		time.Sleep(min(tick, time.Until(end), max(time.Until(nextChurn), 0)))
	}
	pollUntil(ctx, 10*time.Second, func() bool { return lc.outstanding.Load() <= 0 || lc.isDown() })
	lc.unacked += uint64(max(lc.outstanding.Swap(0), 0))
}

// act sends whatever is due at elapsed seconds.
func (lc *loadClient) act(elapsed float64, done *dues) {
	s := lc.spec
	var fw frameWriter
	var scratch []byte
	due := func(rate float64, done uint64) uint64 { return max(uint64(rate*elapsed+lc.phase), done) - done }
	// Receipts go before this batch's messages: the server moves a sender's
	// read pointer to its own new message, so a receipt behind it would name
	// a seq below the pointer and move nothing.
	for range due(s.ReceiptRate, done.receipts) {
		done.receipts++
		if r := lc.receipt(); r != nil {
			fw.text(r)
			lc.c.receipts.Add(1)
		}
	}
	n := due(s.MsgRate, done.msgs)
	if room := int64(lc.job.Window) - lc.outstanding.Load(); int64(n) > room {
		n = uint64(max(room, 0))
	}
	for range n {
		if lc.peer {
			scratch = lc.nextPublish(scratch[:0])
		} else {
			scratch = lc.nextMessage(scratch[:0])
		}
		fw.text(scratch)
	}
	done.msgs += n
	lc.outstanding.Add(int64(n))
	lc.c.sent.Add(n)
	for range due(s.TypingRate, done.typing) {
		scratch = append(scratch[:0], `{"type":"typing","chat_id":"`+lc.pickChat()+`","is_typing":true}`...)
		fw.text(scratch)
		done.typing++
		lc.c.typing.Add(1)
	}
	if s.DeliveryReceipts {
		lc.deliveryReceipts(&fw, time.Now())
	}
	if lc.write(&fw) != nil {
		return
	}
	for range due(s.SyncRate, done.syncs) {
		done.syncs++
		_ = lc.sync()
	}
}

// nextMessage appends the client's next send_message frame.
func (lc *loadClient) nextMessage(b []byte) []byte {
	lc.msgN++
	id := lc.spec.User + "-" + strconv.FormatUint(lc.msgN, 10)
	return appendSendMessage(b, lc.pickChat(), id, time.Now().UnixNano(), lc.job.BodyBytes)
}

// pickChat returns one of the client's chats, round robin.
func (lc *loadClient) pickChat() string {
	return lc.spec.Chats[int(lc.msgN)%len(lc.spec.Chats)]
}

// receipt builds a read_receipt for the highest seq received from others
// in the first of the client's chats, round robin from the next one to
// post in, where that seq lies above the client's read pointer; nil when
// no chat has anything unread (a receipt there could move no pointer).
func (lc *loadClient) receipt() []byte {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	chats := lc.spec.Chats
	for i := range chats {
		chat := chats[(int(lc.msgN)+i)%len(chats)]
		t := lc.tally(chat)
		if seq, ok := t.unread(); ok {
			t.read(seq)
			return appendReadReceipt(nil, chat, seq)
		}
	}
	return nil
}

// sync asks for every message after the client's gap-free position in each
// of its chats.
func (lc *loadClient) sync() error {
	b := []byte(`{"type":"sync_request","ref":"s","positions":{`)
	lc.mu.Lock()
	i := 0
	for chat, t := range lc.tallies {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(append(append(append(b, '"'), chat...), '"', ':'), t.position(), 10)
		i++
	}
	lc.syncing++
	lc.resync = false
	lc.mu.Unlock()
	lc.c.syncs.Add(1)
	err := lc.sendText(append(b, '}', '}'))
	if err != nil {
		lc.mu.Lock()
		lc.syncing--
		lc.mu.Unlock()
	}
	return err
}

// reconnect closes the connection, dials again (three tries) and syncs.
func (lc *loadClient) reconnect(ctx context.Context) error {
	lc.wmu.Lock()
	conn, down := lc.conn, lc.down
	lc.wmu.Unlock()
	if conn != nil {
		_ = conn.Close()
		<-down
	}
	lc.unacked += uint64(max(lc.outstanding.Swap(0), 0))
	lc.mu.Lock()
	lc.syncing = 0
	lc.mu.Unlock()
	var err error
	for try := range 3 {
		if err = lc.dial(ctx); err == nil {
			lc.c.reconnects.Add(1)
			if lc.peer { // no sync in a peer's protocol: what was missed stays missing
				lc.mu.Lock()
				lc.gen++
				lc.mu.Unlock()
				return lc.subscribeAll()
			}
			return lc.sync()
		}
		time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
	}
	lc.c.countErr("client_reconnect_failed", err.Error())
	return err
}

// drain waits (bounded) until the client holds every seq up to last in each
// of its chats and answered a final ping, resyncing truncated chats.
func (lc *loadClient) drain(ctx context.Context, last map[string]uint64, wait time.Duration) bool {
	if lc.connected && lc.isDown() {
		_ = lc.reconnect(ctx)
	}
	if !lc.connected || !lc.ping(ctx, "final", wait) {
		return false
	}
	return pollUntil(ctx, wait, func() bool {
		lc.mu.Lock()
		resync, syncing := lc.resync, lc.syncing
		complete := true
		for chat, t := range lc.tallies {
			complete = complete && t.complete(last[chat])
		}
		lc.mu.Unlock()
		if resync && syncing == 0 {
			_ = lc.sync()
		}
		return complete && syncing == 0
	})
}

// account adds the client's expected and missing deliveries to r.
func (lc *loadClient) account(last map[string]uint64, r *Result) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for chat, t := range lc.tallies {
		exp, miss := t.account(last[chat])
		r.Expected += exp
		r.Missing += miss
	}
	if lc.peer { // a sender's later generations this client never saw anything of
		for key, n := range last {
			chat, sender := splitPeerKey(key)
			if lc.tallies[key] == nil && sender != lc.spec.User && slices.Contains(lc.spec.Chats, chat) {
				r.Expected += n
				r.Missing += n
			}
		}
	}
	r.Unacked += lc.unacked
}
