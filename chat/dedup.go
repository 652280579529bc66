package chat

import "strings"

// dedupIndex remembers, per sender, the seq of the last n client_msg_ids.
type dedupIndex struct {
	bySender map[string]*senderWindow
	n        int
}

// senderWindow is a ring of one sender's newest entries.
type senderWindow struct {
	entries []dedupEntry
	next    int
}

type dedupEntry struct {
	id  string
	seq uint64
}

func newDedupIndex(n int) *dedupIndex {
	return &dedupIndex{bySender: map[string]*senderWindow{}, n: n}
}

// add remembers that sender's clientMsgID was stored at seq, evicting the
// sender's oldest entry when its window is full. The id is copied so that
// an entry never pins the buffer it was decoded from.
func (d *dedupIndex) add(sender, clientMsgID string, seq uint64) {
	w := d.bySender[sender]
	if w == nil {
		w = &senderWindow{}
		d.bySender[strings.Clone(sender)] = w
	}
	e := dedupEntry{id: strings.Clone(clientMsgID), seq: seq}
	if len(w.entries) < d.n {
		w.entries = append(w.entries, e)
		return
	}
	w.entries[w.next] = e
	w.next = (w.next + 1) % d.n
}

// get returns the seq stored for sender's clientMsgID, newest first (a
// retry is almost always of a recent send).
func (d *dedupIndex) get(sender, clientMsgID string) (uint64, bool) {
	w := d.bySender[sender]
	if w == nil {
		return 0, false
	}
	n := len(w.entries)
	for i := range n {
		e := w.entries[(w.next-1-i+2*n)%n]
		if e.id == clientMsgID {
			return e.seq, true
		}
	}
	return 0, false
}
