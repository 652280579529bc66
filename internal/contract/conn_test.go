package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
)

const wait = 5 * time.Second

var refs atomic.Int64

// recorder validates and counts every frame of a test run: each server
// frame against the schema for its type, each client frame against the
// schema for its, and each ack against the schema of the command it
// answers.
type recorder struct {
	t      *testing.T
	fs     *frameSchemas
	mu     sync.Mutex
	seen   map[string]int // server frame types
	codes  map[string]int // error codes, in error frames and bulk results
	closes map[int]int    // close codes
	sent   map[string]int // client frame types validated
}

func newRecorder(t *testing.T) *recorder {
	return &recorder{t: t, fs: loadFrameSchemas(t), seen: map[string]int{}, codes: map[string]int{},
		closes: map[int]int{}, sent: map[string]int{}}
}

// server validates one server frame; cmd is the command its ref answers
// ("" when unknown or not a direct reply).
func (r *recorder) server(f client.Frame, cmd string) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if f.Binary {
		r.t.Errorf("server sent a binary frame: %q", f.Raw)
		return
	}
	r.seen[f.Type]++
	sch, ok := r.fs.server[f.Type]
	if !ok {
		r.t.Errorf("server frame type %q has no schema in docs/asyncapi.yaml: %s", f.Type, f.Raw)
		return
	}
	if err := validate(sch, f.Raw); err != nil {
		r.t.Errorf("server frame %s does not match its schema:\n%s\n%v", f.Type, f.Raw, err)
	}
	if f.Type == "ack" && cmd != "" {
		if ack, ok := r.fs.acks[cmd]; !ok {
			r.t.Errorf("no ack schema (x-ack-for) for command %s", cmd)
		} else if err := validate(ack, f.Raw); err != nil {
			r.t.Errorf("ack to %s does not match its schema:\n%s\n%v", cmd, f.Raw, err)
		}
	}
	r.noteCodes(f)
}

// noteCodes counts the error codes a frame carries.
func (r *recorder) noteCodes(f client.Frame) {
	if f.Type == "error" {
		r.codes[f.Str("code")]++
	}
	if res, ok := f.Fields["results"].([]any); ok {
		for _, it := range res {
			if e, ok := it.(map[string]any)["error"].(map[string]any); ok {
				r.codes[fmt.Sprint(e["code"])]++
			}
		}
	}
}

// client validates a well-formed client frame before it is sent.
func (r *recorder) client(raw []byte) {
	r.t.Helper()
	var head struct{ Type string }
	_ = json.Unmarshal(raw, &head)
	r.mu.Lock()
	defer r.mu.Unlock()
	sch, ok := r.fs.client[head.Type]
	if !ok {
		r.t.Errorf("client frame type %q has no schema in docs/asyncapi.yaml: %s", head.Type, raw)
		return
	}
	if err := validate(sch, raw); err != nil {
		r.t.Errorf("client frame %s does not match its schema:\n%s\n%v", head.Type, raw, err)
	}
	r.sent[head.Type]++
}

// badClient checks that a deliberately bad text frame is also refused by
// the client schemas, so the schemas and the server agree on what is bad.
func (r *recorder) badClient(raw []byte) {
	r.t.Helper()
	var head map[string]any
	if json.Unmarshal(raw, &head) != nil {
		return // not a JSON object: no schema could accept it
	}
	typ, _ := head["type"].(string)
	sch, ok := r.fs.client[typ]
	if !ok {
		return // unknown type: no schema
	}
	if validate(sch, raw) == nil {
		r.t.Errorf("bad %s frame is accepted by its client schema, but the server refuses it: %s", typ, raw)
	}
}

func (r *recorder) closed(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closes[code]++
}

// conn is one WebSocket client whose every frame goes through a recorder.
type conn struct {
	t    *testing.T
	rec  *recorder
	c    *client.Client
	name string
	cmds map[string]string // ref -> command type
	done bool
}

func dial(t *testing.T, rec *recorder, n *testnode.Node, user string) *conn {
	t.Helper()
	c, err := client.Dial(context.Background(), n.URL, client.Options{Token: testnode.Token(t, user)})
	if err != nil {
		t.Fatalf("dial %s: %v", user, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &conn{t: t, rec: rec, c: c, name: user, cmds: map[string]string{}}
}

// send validates msg as a client frame and sends it.
func (c *conn) send(msg map[string]any) {
	c.t.Helper()
	raw, err := json.Marshal(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.rec.client(raw)
	if ref, ok := msg["ref"].(string); ok {
		c.cmds[ref] = fmt.Sprint(msg["type"])
	}
	if err := c.c.SendRaw(ws.OpText, raw); err != nil {
		c.t.Fatalf("%s: send: %v", c.name, err)
	}
}

// sendBad sends a frame the server must refuse, checking that the client
// schemas refuse it too.
func (c *conn) sendBad(op ws.OpCode, raw []byte) {
	c.t.Helper()
	if op == ws.OpText {
		c.rec.badClient(raw)
	}
	if err := c.c.SendRaw(op, raw); err != nil {
		c.t.Fatalf("%s: send: %v", c.name, err)
	}
}

// next reads one frame and records it.
func (c *conn) next() (client.Frame, error) {
	f, err := c.c.Next(wait)
	if err != nil {
		if code := client.CloseCode(err); code != 0 {
			c.rec.closed(code)
			c.done = true
		}
		return f, err
	}
	c.rec.server(f, c.cmds[f.Ref()])
	return f, nil
}

// expect reads (and records) frames until match; every frame read on the
// way is validated too.
func (c *conn) expect(what string, match func(client.Frame) bool) client.Frame {
	c.t.Helper()
	for {
		f, err := c.next()
		if err != nil {
			c.t.Fatalf("%s: waiting for %s: %v", c.name, what, err)
		}
		if match(f) {
			return f
		}
	}
}

// call sends msg with a fresh ref and returns the reply to it.
func (c *conn) call(msg map[string]any) client.Frame {
	c.t.Helper()
	ref := fmt.Sprintf("r%d", refs.Add(1))
	msg["ref"] = ref
	c.send(msg)
	return c.expect("reply to "+fmt.Sprint(msg["type"]), func(f client.Frame) bool { return f.Ref() == ref })
}

// callBad sends a bad text frame that carries ref and returns the reply.
func (c *conn) callBad(raw []byte, ref string) client.Frame {
	c.t.Helper()
	c.sendBad(ws.OpText, raw)
	return c.expect("reply to "+ref, func(f client.Frame) bool { return f.Ref() == ref })
}

// drain reads and records frames until the server closes the connection,
// returning the close code. Every frame the server wrote before its close
// frame is read, so nothing escapes validation.
func (c *conn) drain() int {
	c.t.Helper()
	for !c.done {
		_, err := c.next()
		if err != nil {
			if code := client.CloseCode(err); code != 0 {
				return code
			}
			c.t.Fatalf("%s: drain: %v", c.name, err)
		}
	}
	return 0
}
