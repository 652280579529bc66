package main

import (
	"encoding/json"
	"time"

	"github.com/linkup-chat/linkup/protocol"
)

// handle accounts for one server frame.
func (lc *loadClient) handle(p []byte) {
	switch frameType(p) {
	case "message":
		lc.onMessage(p)
	case "ack":
		lc.onAck(p)
	case "error":
		lc.onError(p)
	case "chat_created":
		lc.mu.Lock()
		lc.subscribed[string(strField(p, "chat_id"))] = true
		lc.mu.Unlock()
	case "sync_complete":
		lc.onSyncComplete(p)
	case "typing":
		lc.c.typingRecv.Add(1)
	case "read":
		lc.c.readRecv.Add(1)
	case "pong":
		lc.mu.Lock()
		lc.pongs[string(strField(p, "ref"))] = true
		lc.mu.Unlock()
	case "force_reconnect":
		lc.c.countForced(string(strField(p, "reason")))
	}
}

func (lc *loadClient) onMessage(p []byte) {
	now := time.Now().UnixNano()
	chat, seq := strField(p, "chat_id"), numField(p, "seq")
	lc.deliver(chat, seq, int64(leadingDigits(strField(p, "body"))), now)
}

// deliver accounts for message seq of the tally named key (a chat; for a
// peer, a sender's stream in a chat), sent at unix ns sent, seen at now.
func (lc *loadClient) deliver(key []byte, seq uint64, sent, now int64) {
	lc.mu.Lock()
	dup := lc.tally(string(key)).deliver(seq)
	live := lc.syncing == 0
	lc.mu.Unlock()
	lc.c.delivered.Add(1)
	switch {
	case dup && !live: // a sync answer re-sends what lies above the position the client named
		lc.c.resent.Add(1)
	case dup:
		lc.c.dups.Add(1)
	}
	if live && sent > 0 {
		lc.c.delLat.Record(time.Duration(now - sent))
	}
}

func (lc *loadClient) onAck(p []byte) {
	if fieldAt(p, "client_msg_id") < 0 {
		return // create_chat, read receipts
	}
	now := time.Now().UnixNano()
	ref := strField(p, "ref")
	lc.mu.Lock()
	lc.tally(string(strField(p, "chat_id"))).acked(numField(p, "seq"))
	lc.mu.Unlock()
	lc.outstanding.Add(-1)
	lc.c.acked.Add(1)
	if len(ref) > 1 && ref[0] == 'm' {
		lc.c.ackLat.Record(time.Duration(now - int64(leadingDigits(ref[1:]))))
	}
}

func (lc *loadClient) onError(p []byte) {
	ref := strField(p, "ref")
	if len(ref) > 0 && ref[0] == 'm' {
		lc.outstanding.Add(-1)
	}
	if len(ref) > 0 && ref[0] == 's' {
		lc.mu.Lock()
		lc.syncing--
		lc.mu.Unlock()
	}
	lc.c.countErr(string(strField(p, "code")), string(p[:min(len(p), 200)]))
}

func (lc *loadClient) onSyncComplete(p []byte) {
	var f protocol.SyncCompleteFrame
	err := json.Unmarshal(p, &f)
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.syncing--
	lc.c.syncDone.Add(1)
	if err != nil {
		lc.c.countErr("client_bad_sync_complete", err.Error())
		return
	}
	for _, c := range f.Chats {
		lc.resync = lc.resync || c.Truncated
	}
}
