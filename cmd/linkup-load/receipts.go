package main

import (
	"strconv"
	"time"
)

// deliveryEvery is how often a client confirms deliveries in one chat at
// most: the server coalesces MessagesDelivered per user and chat to one a
// second, and a real client has no reason to say more.
const deliveryEvery = time.Second

// deliveryMark is the last delivery_receipt a client sent in one chat.
type deliveryMark struct {
	seq uint64
	at  time.Time
}

// deliveryReceipts appends a delivery_receipt for each of the client's
// chats whose gap-free received position moved since the last one, at
// most one per chat per deliveryEvery.
func (lc *loadClient) deliveryReceipts(fw *frameWriter, now time.Time) {
	if lc.delivSent == nil {
		lc.delivSent = map[string]deliveryMark{}
	}
	for _, chat := range lc.spec.Chats {
		lc.mu.Lock()
		pos := lc.tally(chat).position()
		lc.mu.Unlock()
		last := lc.delivSent[chat]
		if pos <= last.seq || now.Sub(last.at) < deliveryEvery {
			continue
		}
		fw.text(appendDeliveryReceipt(nil, chat, pos))
		lc.delivSent[chat] = deliveryMark{seq: pos, at: now}
		lc.c.delivReceipts.Add(1)
	}
}

func appendDeliveryReceipt(b []byte, chat string, seq uint64) []byte {
	b = append(b, `{"type":"delivery_receipt","ref":"d","chat_id":"`...)
	b = append(b, chat...)
	b = append(b, `","seq":`...)
	return append(strconv.AppendUint(b, seq, 10), '}')
}

func appendReadReceipt(b []byte, chat string, seq uint64) []byte {
	b = append(b, `{"type":"read_receipt","ref":"r","chat_id":"`...)
	b = append(b, chat...)
	b = append(b, `","seq":`...)
	return append(strconv.AppendUint(b, seq, 10), '}')
}
