package main

import (
	"bufio"
	"bytes"
	"io"
	"strconv"

	"github.com/gobwas/ws"
)

// maxFrame bounds a server frame the tool accepts (a sync answer of 500
// messages of 16 KiB would be larger; the tool's bodies are small).
const maxFrame = 16 << 20

// frameWriter batches masked client text frames into one buffer, written
// with one Write call.
type frameWriter struct{ buf bytes.Buffer }

// text appends one masked text frame carrying payload (payload is masked in
// place, so callers pass a scratch slice).
func (fw *frameWriter) text(payload []byte) {
	h := ws.Header{Fin: true, OpCode: ws.OpText, Masked: true, Mask: ws.NewMask(), Length: int64(len(payload))}
	_ = ws.WriteHeader(&fw.buf, h)
	ws.Cipher(payload, h.Mask, 0)
	fw.buf.Write(payload)
}

// control appends a masked control frame (pong, close).
func (fw *frameWriter) control(op ws.OpCode, payload []byte) {
	p := append([]byte(nil), payload...)
	h := ws.Header{Fin: true, OpCode: op, Masked: true, Mask: ws.NewMask(), Length: int64(len(p))}
	_ = ws.WriteHeader(&fw.buf, h)
	ws.Cipher(p, h.Mask, 0)
	fw.buf.Write(p)
}

// flush writes the batch to w and empties it.
func (fw *frameWriter) flush(w io.Writer) error {
	if fw.buf.Len() == 0 {
		return nil
	}
	_, err := w.Write(fw.buf.Bytes())
	fw.buf.Reset()
	return err
}

// frameReader reads server frames into a reused buffer.
type frameReader struct {
	br  *bufio.Reader
	buf []byte
}

// next returns the next frame: its opcode and payload (valid until the next
// call). Continuations are joined to their first frame.
func (fr *frameReader) next() (ws.OpCode, []byte, error) {
	fr.buf = fr.buf[:0]
	var op ws.OpCode
	for {
		h, err := ws.ReadHeader(fr.br)
		if err != nil {
			return 0, nil, err
		}
		if h.Length > maxFrame || int64(len(fr.buf))+h.Length > maxFrame {
			return 0, nil, errFrameTooBig
		}
		start := len(fr.buf)
		fr.buf = append(fr.buf, make([]byte, h.Length)...)
		if _, err := io.ReadFull(fr.br, fr.buf[start:]); err != nil {
			return 0, nil, err
		}
		if h.Masked {
			ws.Cipher(fr.buf[start:], h.Mask, 0)
		}
		if h.OpCode.IsControl() {
			return h.OpCode, fr.buf[start:], nil
		}
		if h.OpCode != ws.OpContinuation {
			op = h.OpCode
		}
		if h.Fin {
			return op, fr.buf, nil
		}
	}
}

// frameType returns the "type" of a server frame, which protocol.Encode
// always writes first: {"type":"message",...}. The tool reads the hot
// frames (message, ack) in place rather than into protocol's structs, so
// that the generator, not its JSON decoding, sets the pace; the other
// frames it reads are decoded into protocol's types.
func frameType(p []byte) string {
	const pre = `{"type":"`
	if !bytes.HasPrefix(p, []byte(pre)) {
		return ""
	}
	end := bytes.IndexByte(p[len(pre):], '"')
	if end < 0 {
		return ""
	}
	return string(p[len(pre) : len(pre)+end])
}

// strField returns the raw (unescaped-free) string value of a top-level
// field; the tool's own ids and bodies never need escaping.
func strField(p []byte, name string) []byte {
	i := fieldAt(p, name)
	if i < 0 || i >= len(p) || p[i] != '"' {
		return nil
	}
	end := bytes.IndexByte(p[i+1:], '"')
	if end < 0 {
		return nil
	}
	return p[i+1 : i+1+end]
}

// numField returns a non-negative integer field, or 0.
func numField(p []byte, name string) uint64 {
	i := fieldAt(p, name)
	if i < 0 {
		return 0
	}
	return leadingDigits(p[i:])
}

// fieldAt returns the index of the value of "name":, or -1.
func fieldAt(p []byte, name string) int {
	key := make([]byte, 0, len(name)+3)
	key = append(append(append(key, '"'), name...), '"', ':')
	i := bytes.Index(p, key)
	if i < 0 {
		return -1
	}
	return i + len(key)
}

// leadingDigits parses the decimal digits at the start of b.
func leadingDigits(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}

// appendSendMessage appends a send_message frame whose body starts with the
// send time in unix nanoseconds (receivers measure latency from it), padded
// with 'x' to pad bytes.
func appendSendMessage(b []byte, chat, msgID string, now int64, pad int) []byte {
	b = append(b, `{"type":"send_message","ref":"m`...)
	b = strconv.AppendInt(b, now, 10)
	b = append(b, `","chat_id":"`...)
	b = append(b, chat...)
	b = append(b, `","client_msg_id":"`...)
	b = append(b, msgID...)
	b = append(b, `","body":"`...)
	n := len(b)
	b = strconv.AppendInt(b, now, 10)
	for len(b)-n < pad {
		b = append(b, 'x')
	}
	return append(b, `"}`...)
}
