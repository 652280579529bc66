package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/transport"
)

// raiseFileLimit lifts the soft open-file limit to the hard one (20,000
// here): 1,000 clients and their server sides need 2,000 descriptors.
func raiseFileLimit(t *testing.T, need uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < need {
		t.Skipf("open-file limit %d below the %d this test needs", lim.Cur, need)
	}
}

// dialMany connects users concurrently as raw WebSockets that are never
// read. Their receive buffer is set to 4 KiB before connecting, so the
// advertised window stays small and the server's writes to them block after
// a few frames instead of filling megabytes of kernel buffers.
func dialMany(t *testing.T, n *testnode.Node, users []string) []net.Conn {
	t.Helper()
	out := make([]net.Conn, len(users))
	var wg sync.WaitGroup
	errs := make(chan error, len(users))
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(users); i += 8 {
				c, err := dialNeverReading(n.URL, testnode.Token(t, users[i]))
				if err != nil {
					errs <- fmt.Errorf("dial %s: %w", users[i], err)
					return
				}
				out[i] = c
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, c := range out {
			_ = c.Close()
		}
	})
	return out
}

func dialNeverReading(url, token string) (net.Conn, error) {
	nd := net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	d := ws.Dialer{NetDial: nd.DialContext, Protocols: []string{"linkup.v1"},
		Header: ws.HandshakeHeaderHTTP(http.Header{"Authorization": {"Bearer " + token}})}
	conn, _, _, err := d.Dial(context.Background(), url)
	return conn, err
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// Never-reading clients: each becomes a slow consumer (its small outbound
// queue fills), is dropped (force_reconnect slow_consumer, counted in
// linkup_outbound_queue_drops_total) and closed; the server's heap does not
// grow with further traffic; a client that reads gets every message, in
// order, meanwhile.
//
// With a thousand clients this holds only because the server caps each
// socket's kernel send buffer (transport.Config.SocketSendBuffer): left to
// autotuning, Linux let every socket swallow up to 4 MiB before a write
// blocked, and the outbound queue never filled.
func TestNeverReadingClientsAreBoundedAndDoNotDelayOthers(t *testing.T) {
	t.Run("20", func(t *testing.T) { neverReading(t, 20, 16<<10, 600) })
	t.Run("1000", func(t *testing.T) {
		neverReading(t, 1000, 8<<10, 300)
	})
}

func neverReading(t *testing.T, slow, bodySize, maxMessages int) {
	raiseFileLimit(t, uint64(3*slow+100))
	n := testnode.Start(t, testnode.Options{
		Transport: transport.Config{OutboundQueue: 8, WriteTimeout: 5 * time.Second},
		Actors:    actors.Config{Limits: actors.Limits{MessagesPerSecond: 100000, FramesPerSecond: 100000}},
	})
	users := make([]string, slow)
	for i := range users {
		users[i] = fmt.Sprintf("slow%04d", i)
	}
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	chats := []string{"big0", "big1"}
	for i, chat := range chats {
		members := append([]string{"bob"}, users[i*slow/2:(i+1)*slow/2]...)
		testnode.MustType(t, call(t, alice, map[string]any{"type": "create_chat", "chat_id": chat, "members": members}), "ack")
	}
	_ = dialMany(t, n, users)
	body := strings.Repeat("x", bodySize)
	sent, lat1 := 0, []time.Duration(nil)
	for sent < maxMessages && metric(t, n.Reg, "linkup_outbound_queue_drops_total") < float64(slow) {
		lat1 = append(lat1, sendAndReceive(t, alice, bob, chats, body, sent, sent+20)...)
		sent += 20
	}
	poll.Until(t, wait, "every never-reading client dropped and closed", func() bool {
		return metric(t, n.Reg, "linkup_outbound_queue_drops_total") >= float64(slow) && metric(t, n.Reg, "linkup_connections") <= 2
	})
	heap1 := heapInUse()
	lat2 := sendAndReceive(t, alice, bob, chats, body, sent, 2*sent)
	heap2 := heapInUse()
	slices.Sort(lat1)
	t.Logf("%d messages to drop %d clients; heap in use %d MiB, after %d more %d MiB; reader latency p50/max %v/%v then %v/%v",
		sent, slow, heap1>>20, sent, heap2>>20, lat1[len(lat1)/2], lat1[len(lat1)-1], lat2[len(lat2)/2], lat2[len(lat2)-1])
	if heap2 > heap1+heap1/2+(16<<20) {
		t.Fatalf("heap grew from %d to %d MiB while sending to dropped clients", heap1>>20, heap2>>20)
	}
}

// sendAndReceive sends messages from..to-1 alternately to chats, each
// answered by an ack, and checks bob receives each one; it returns bob's
// delivery latencies, sorted.
func sendAndReceive(t *testing.T, alice, bob *client.Client, chats []string, body string, from, to int) []time.Duration {
	t.Helper()
	var lat []time.Duration
	for i := from; i < to; i++ {
		chat := chats[i%len(chats)]
		start := time.Now()
		testnode.MustType(t, call(t, alice, map[string]any{"type": "send_message", "chat_id": chat, "client_msg_id": fmt.Sprint(i), "body": body}), "ack")
		f, err := bob.Expect(wait, client.Is("message"))
		if err != nil {
			t.Fatalf("bob did not receive message %d: %v", i, err)
		}
		if f.Str("client_msg_id") != fmt.Sprint(i) {
			t.Fatalf("bob received %s, want client_msg_id %d", f.Raw[:min(len(f.Raw), 120)], i)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	return lat
}
