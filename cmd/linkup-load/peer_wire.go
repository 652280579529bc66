package main

import (
	"bytes"
	"strconv"
	"strings"
)

// Centrifugo v6 speaks a JSON protocol over WebSocket at centrifugoPath:
// the client sends commands {"id":N,"connect":{...}}, {"id":N,"subscribe":
// {...}}, {"id":N,"publish":{...}}; the server answers each with a reply
// carrying the same id (a result or {"error":{"code":...}}) and pushes
// publications as {"push":{"channel":...,"pub":{"data":...}}}. Several
// messages may share one WebSocket frame, one per line. An empty object
// {} from the server is a ping; the client answers {}.

// centrifugoPath is the WebSocket endpoint of Centrifugo's JSON protocol.
const centrifugoPath = "/connection/websocket"

// peerKey names one sender's stream in one chat. Centrifugo publications
// carry no sequence number (no history in the memory engine by default),
// so a peer receiver tallies deliveries per sender, numbered 1, 2, ... by
// that sender per chat; the missing and duplicate accounting is the same
// as linkup's per-chat seqs.
func peerKey(chat, sender string) string { return chat + "|" + sender }

// peerGenKey is a sender's stream after its gen-th reconnect: numbering
// starts again at 1, so the publishes lost with the old connection (which
// Centrifugo may or may not have broadcast, and never answered) are not
// counted missing because later numbers arrived.
func peerGenKey(chat, sender string, gen uint64) string {
	if gen == 0 {
		return peerKey(chat, sender)
	}
	return peerKey(chat, sender+"~"+strconv.FormatUint(gen, 10))
}

// splitPeerKey returns a key's chat and its sender without the generation.
func splitPeerKey(key string) (chat, sender string) {
	i := strings.LastIndexByte(key, '|')
	if i < 0 {
		return "", ""
	}
	chat, sender = key[:i], key[i+1:]
	if j := strings.LastIndexByte(sender, '~'); j >= 0 {
		sender = sender[:j]
	}
	return chat, sender
}

// Call kinds: what a command waiting for its reply was.
const (
	callConnect   = 'c'
	callSubscribe = 's'
	callPublish   = 'p'
	callPing      = 'g'
)

// call is a command waiting for its reply.
type call struct {
	kind byte
	chat string // subscribe, publish
	key  string // publish: the sender's stream (peerGenKey)
	n    uint64 // publish: the sender's number of the message in key
	sent int64  // unix ns the command was built
	ref  string // ping
}

// appendCentrifugoConnect appends a connect command with the JWT.
func appendCentrifugoConnect(b []byte, id uint32, token string) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, uint64(id), 10)
	b = append(b, `,"connect":{"token":"`...)
	b = append(b, token...)
	return append(b, `","name":"linkup-load"}}`...)
}

// appendCentrifugoSubscribe appends a subscribe command for channel.
func appendCentrifugoSubscribe(b []byte, id uint32, channel string) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, uint64(id), 10)
	b = append(b, `,"subscribe":{"channel":"`...)
	b = append(b, channel...)
	return append(b, `"}}`...)
}

// appendCentrifugoPing appends the tool's ping: an RPC call of a method
// the server does not have. Protocol v2 has no client ping (Centrifugo
// disconnects a client sending one as a bad request), but an RPC with no
// handler is answered with an error reply, in command order: a round trip,
// which is all the tool needs from a ping.
func appendCentrifugoPing(b []byte, id uint32) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, uint64(id), 10)
	return append(b, `,"rpc":{"method":"linkup-load.ping"}}`...)
}

// appendCentrifugoPublish appends a publish command whose data names the
// sender's stream (key), the message's number n in it and the send time
// in unix ns, padded with 'x' to pad bytes of body, like linkup's bodies.
func appendCentrifugoPublish(b []byte, id uint32, chat, key string, n uint64, now int64, pad int) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, uint64(id), 10)
	b = append(b, `,"publish":{"channel":"`...)
	b = append(b, chat...)
	b = append(b, `","data":{"lu":"`...)
	b = append(b, key...)
	b = append(b, `","n":`...)
	b = strconv.AppendUint(b, n, 10)
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, now, 10)
	b = append(b, `,"b":"`...)
	n0 := len(b)
	b = strconv.AppendInt(b, now, 10)
	for len(b)-n0 < pad {
		b = append(b, 'x')
	}
	return append(b, `"}}}`...)
}

// centrifugoMsg kinds, as told apart by centrifugoKind.
const (
	cfPing = iota
	cfReply
	cfPush
	cfOther
)

// centrifugoKind tells a server ping, a command reply and a push apart by
// their first field, which Centrifugo's encoder writes in schema order (id
// first; a push has id 0, which is omitted).
func centrifugoKind(p []byte) int {
	switch {
	case bytes.Equal(p, []byte("{}")):
		return cfPing
	case bytes.HasPrefix(p, []byte(`{"id":`)):
		return cfReply
	case bytes.HasPrefix(p, []byte(`{"push":`)):
		return cfPush
	}
	return cfOther
}

// nextLine cuts the first line off p.
func nextLine(p []byte) (line, rest []byte) {
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return p, nil
}

// publicationFields returns the tool's fields of a publication push: the
// sender's stream key, the message number and the send time (zero values
// when the data is not the tool's).
func publicationFields(p []byte) (key []byte, n uint64, sent int64) {
	d := fieldAt(p, "data")
	if d < 0 {
		return nil, 0, 0
	}
	body := p[d:]
	return strField(body, "lu"), numField(body, "n"), int64(numField(body, "t"))
}
