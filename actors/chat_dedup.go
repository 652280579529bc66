package actors

// dedupWindow is how many recent messages per chat are remembered by
// (sender, client_msg_id), so that a client retrying a send across
// reconnects and restarts gets the original ack instead of a second copy.
// Each entry holds only the key and the seq (about 80 bytes); the rest of
// the original ack is read back from the ring or the store.
const dedupWindow = 10_000

// dedupIndex remembers the seq of the last n messages by key, evicting the
// oldest.
type dedupIndex struct {
	byKey map[string]uint64
	order []string
	next  int
	n     int
}

func newDedupIndex(n int) *dedupIndex {
	return &dedupIndex{byKey: map[string]uint64{}, n: n}
}

func dedupKey(sender, clientMsgID string) string { return sender + "\x00" + clientMsgID }

func (d *dedupIndex) add(key string, seq uint64) {
	if len(d.order) < d.n {
		d.order = append(d.order, key)
	} else {
		delete(d.byKey, d.order[d.next])
		d.order[d.next] = key
		d.next = (d.next + 1) % d.n
	}
	d.byKey[key] = seq
}

func (d *dedupIndex) get(key string) (uint64, bool) {
	seq, ok := d.byKey[key]
	return seq, ok
}
