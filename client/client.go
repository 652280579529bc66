package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/linkup-chat/linkup/protocol"
)

// TokenVia says how Dial presents the token.
type TokenVia int

const (
	ViaHeader      TokenVia = iota // Authorization: Bearer <token>
	ViaQuery                       // ?token=<token>
	ViaSubprotocol                 // Sec-WebSocket-Protocol: linkup.v1, bearer.<token>
)

// Options configure Dial.
type Options struct {
	Token string
	Via   TokenVia
	// LocalAddr binds the client's source address (load generators spread
	// over 127.0.0.2, 127.0.0.3, ...); empty means any.
	LocalAddr string
	// Header adds raw headers to the upgrade request.
	Header http.Header
}

// Client is one WebSocket connection. Send and Next may be used from two
// different goroutines (one writer, one reader), not more.
type Client struct {
	conn     net.Conn
	r        *bufio.Reader
	Protocol string
}

// CloseError is returned by Next when the server closed the connection.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("client: closed by server: %d %s", e.Code, e.Reason)
}

// CloseCode returns the close code of err, or 0 if the server did not close.
func CloseCode(err error) int {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// HandshakeError is returned by Dial when the server refused the upgrade.
type HandshakeError struct{ Status int }

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("client: handshake refused with HTTP %d", e.Status)
}

// Dial connects to a linkup /ws URL.
func Dial(ctx context.Context, rawURL string, o Options) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for k, v := range o.Header {
		h[k] = v
	}
	d := ws.Dialer{Timeout: 10 * time.Second, Header: ws.HandshakeHeaderHTTP(h), Protocols: []string{protocol.Protocol}}
	switch o.Via {
	case ViaHeader:
		if o.Token != "" {
			h.Set("Authorization", "Bearer "+o.Token)
		}
	case ViaQuery:
		q := u.Query()
		q.Set("token", o.Token)
		u.RawQuery = q.Encode()
	case ViaSubprotocol:
		d.Protocols = append(d.Protocols, "bearer."+o.Token)
	}
	if o.LocalAddr != "" {
		nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(o.LocalAddr)}, Timeout: 10 * time.Second}
		d.NetDial = nd.DialContext
	}
	conn, br, hs, err := d.Dial(ctx, u.String())
	var se ws.StatusError
	if errors.As(err, &se) {
		return nil, &HandshakeError{Status: int(se)}
	}
	if err != nil {
		return nil, err
	}
	r := br // frames the server sent right after the handshake are buffered here
	if r == nil {
		r = bufio.NewReaderSize(conn, 4096)
	}
	return &Client{conn: conn, r: r, Protocol: hs.Protocol}, nil
}

// Send writes v as one JSON text frame.
func (c *Client) Send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.SendRaw(ws.OpText, b)
}

// SendCommand writes a typed command (protocol.EncodeCommand) as one text
// frame.
func (c *Client) SendCommand(cmd protocol.Command) error {
	b, err := protocol.EncodeCommand(cmd)
	if err != nil {
		return err
	}
	return c.SendRaw(ws.OpText, b)
}

// SendRaw writes one frame with any opcode and payload, as is.
func (c *Client) SendRaw(op ws.OpCode, payload []byte) error {
	return wsutil.WriteClientMessage(c.conn, op, payload)
}

// Next returns the next data frame, waiting at most timeout. Pings are
// answered on the way; a close frame ends the connection with a
// *CloseError.
func (c *Client) Next(timeout time.Duration) (Frame, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	data, op, err := c.readMessage()
	if err != nil {
		return Frame{}, err
	}
	return parseFrame(data, op)
}

// Expect returns the first frame for which match is true, skipping others,
// within timeout.
func (c *Client) Expect(timeout time.Duration, match func(Frame) bool) (Frame, error) {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return Frame{}, errors.New("client: no matching frame before the deadline")
		}
		f, err := c.Next(left)
		if err != nil {
			return f, err
		}
		if match(f) {
			return f, nil
		}
	}
}

// Conn is the underlying connection (tests use it to misbehave).
func (c *Client) Conn() net.Conn { return c.conn }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
