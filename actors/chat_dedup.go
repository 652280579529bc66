package actors

import "github.com/linkup-chat/linkup/events"

// dedupWindow is how many recent messages per chat are remembered by
// (sender, client_msg_id), so that a client retrying a send across
// reconnects and restarts gets the original ack instead of a second copy.
const dedupWindow = 100_000

// dedupIndex remembers the last n messages by key, evicting the oldest.
type dedupIndex struct {
	byKey map[string]events.MessagePosted
	order []string
	next  int
	n     int
}

func newDedupIndex(n int) *dedupIndex {
	return &dedupIndex{byKey: map[string]events.MessagePosted{}, n: n}
}

func dedupKey(sender, clientMsgID string) string { return sender + "\x00" + clientMsgID }

func (d *dedupIndex) add(key string, m events.MessagePosted) {
	if len(d.order) < d.n {
		d.order = append(d.order, key)
	} else {
		delete(d.byKey, d.order[d.next])
		d.order[d.next] = key
		d.next = (d.next + 1) % d.n
	}
	d.byKey[key] = m
}

func (d *dedupIndex) get(key string) (events.MessagePosted, bool) {
	m, ok := d.byKey[key]
	return m, ok
}
