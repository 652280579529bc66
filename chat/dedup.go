package chat

import (
	"hash/maphash"
	"strings"
)

// dedupIndex remembers, per sender, the seq of the last n client_msg_ids.
type dedupIndex struct {
	bySender map[string]*senderWindow
	n        int
}

// senderWindow is a ring of one sender's newest entries, and beside it
// each entry's id hash (sums[i] is entries[i]'s): a lookup scans the
// hashes, 4 bytes each, and compares ids only where they match, so a
// post with a new id (nearly all) costs a scan of 1 KB instead of 256
// string comparisons.
type senderWindow struct {
	entries []dedupEntry
	sums    []uint32
	next    int
}

// dedupSeed keys the id hashes; they never leave the process.
var dedupSeed = maphash.MakeSeed()

func idSum(id string) uint32 { return uint32(maphash.String(dedupSeed, id)) }

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
		w.entries, w.sums = append(w.entries, e), append(w.sums, idSum(clientMsgID))
		return
	}
	w.entries[w.next], w.sums[w.next] = e, idSum(clientMsgID)
	w.next = (w.next + 1) % d.n
}

// get returns the seq stored for sender's clientMsgID, newest first (a
// retry is almost always of a recent send).
func (d *dedupIndex) get(sender, clientMsgID string) (uint64, bool) {
	w := d.bySender[sender]
	if w == nil {
		return 0, false
	}
	sum, n := idSum(clientMsgID), len(w.sums)
	for i := range n {
		j := w.next - 1 - i
		if j < 0 {
			j += n
		}
		if w.sums[j] == sum && w.entries[j].id == clientMsgID {
			return w.entries[j].seq, true
		}
	}
	return 0, false
}
