package client

import (
	"io"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// readMessage reads one data message, joining fragments and handling
// control frames (ping → pong, close → *CloseError).
func (c *Client) readMessage() ([]byte, ws.OpCode, error) {
	var msg []byte
	var op ws.OpCode
	for {
		h, err := ws.ReadHeader(c.r)
		if err != nil {
			return nil, 0, err
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(c.r, payload); err != nil {
			return nil, 0, err
		}
		if h.Masked {
			ws.Cipher(payload, h.Mask, 0)
		}
		if h.OpCode.IsControl() {
			if err := c.control(h.OpCode, payload); err != nil {
				return nil, 0, err
			}
			continue
		}
		if h.OpCode != ws.OpContinuation {
			op = h.OpCode
		}
		msg = append(msg, payload...)
		if h.Fin {
			return msg, op, nil
		}
	}
}

func (c *Client) control(op ws.OpCode, payload []byte) error {
	switch op {
	case ws.OpPing:
		return wsutil.WriteClientMessage(c.conn, ws.OpPong, payload)
	case ws.OpClose:
		code, reason := ws.ParseCloseFrameData(payload)
		_ = wsutil.WriteClientMessage(c.conn, ws.OpClose, ws.NewCloseFrameBody(code, ""))
		return &CloseError{Code: int(code), Reason: reason}
	}
	return nil
}
