package transport

import (
	"errors"
	"io"
	"unicode/utf8"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/events"
)

// closeError is a frame PROTOCOL.md answers by closing the connection
// with a close code: 1002 (protocol error), 1007 (text that is not UTF-8)
// or 1009 (frame too large). Nothing else a client sends closes it.
type closeError struct {
	code    ws.StatusCode
	reason  string // close frame reason and ConnectionClosed reason
	errType string // ErrorRecorded type
	detail  string // what exactly was wrong, for the ErrorRecorded message
}

func (e *closeError) Error() string { return e.reason }

var (
	// errFrameTooLarge: a frame or message over MaxFrameBytes (1009).
	errFrameTooLarge = &closeError{code: ws.StatusMessageTooBig, reason: "frame too large", errType: "frame_too_large"}
	// errProtocol: the WebSocket protocol was broken (1002).
	errProtocol = &closeError{code: ws.StatusProtocolError, reason: "protocol error", errType: "protocol_error"}
	// errInvalidUTF8: a text message or close reason is not UTF-8 (1007).
	errInvalidUTF8 = &closeError{code: ws.StatusInvalidFramePayloadData, reason: "invalid UTF-8", errType: "invalid_utf8"}
)

// protocolError is errProtocol naming what was wrong.
func protocolError(cause error) *closeError {
	e := *errProtocol
	e.detail = cause.Error()
	return &e
}

// fail closes the connection for e: the close frame goes out through the
// socket after what is already queued (so no frame is cut), the refusal
// is recorded, reading stops, and the socket's close path ends the
// connection once the client answers or closeWait has passed.
func (c *wsConn) fail(e *closeError) {
	msg := "connection closed: " + e.reason
	if e.detail != "" {
		msg += ": " + e.detail
	}
	c.srv.cfg.Node.RecordError(events.ErrorRecorded{ErrorType: e.errType, Severity: events.SeverityLow,
		Message: msg, User: c.user(), ConnectionID: c.id(),
		Context: map[string]any{"close_code": int(e.code), "max_frame_bytes": c.srv.cfg.MaxFrameBytes}})
	c.sock.Close(nil, int(e.code), e.reason)
}

// closeReceived handles the client's close frame (RFC 6455 5.5.1). An
// invalid one is answered with 1002 (1007 for a reason that is not UTF-8);
// a valid one is echoed with the same code (an empty one with an empty
// close frame) after what is queued. When the server's own close frame was
// already written, the client's is its answer: the connection ends now.
func (c *wsConn) closeReceived(payload []byte) error {
	if err := checkClose(payload); err != nil {
		return err
	}
	c.peerClosed = true
	var echo []byte
	if len(payload) >= 2 {
		code, _ := ws.ParseCloseFrameData(payload)
		echo = ws.NewCloseFrameBody(code, "")
	}
	if c.sock.answerClose(echo) {
		return io.EOF
	}
	return nil
}

// checkClose validates a close frame's body: empty, or a code a peer may
// send and a UTF-8 reason.
func checkClose(payload []byte) error {
	switch {
	case len(payload) == 0:
		return nil
	case len(payload) == 1:
		return protocolError(errors.New("close frame body of one byte"))
	}
	code, reason := ws.ParseCloseFrameData(payload)
	switch {
	case !utf8.ValidString(reason):
		return errInvalidUTF8
	case code >= 1012 && code <= 1014:
		return nil // registered after RFC 6455 (linkup itself sends 1012)
	case code > 4999:
		return protocolError(errors.New("close code above 4999"))
	}
	if err := ws.CheckCloseFrameData(code, reason); err != nil {
		return protocolError(err)
	}
	return nil
}
