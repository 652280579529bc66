package transport

import (
	"io"
	"sync"
)

// readBufSize is what a ready connection's first read asks the kernel
// for: a few dozen chat frames, so one read system call takes every frame
// a client sent since the last one. ws.ReadHeader and the payload's
// io.ReadFull straight from the descriptor cost three reads per frame
// (the header's first 2 bytes, its mask, the payload: 2 of them a third
// of the socket reader's CPU in the chats load, issue #17).
const readBufSize = 4 << 10

// readBuf serves a connection's frames from one read: fill reads what
// the kernel has (at most readBufSize bytes), Read hands it out, and
// only what a frame still misses once it is used up is read from the
// connection, exactly that many bytes (io.ReadFull asks for the rest), so
// nothing past the last frame begun is ever read: the buffer is empty
// when the reader stops and nothing stays behind for the next readiness.
// A readBuf is used by one reader at a time, only while it reads: idle
// connections hold none (readBufs).
type readBuf struct {
	conn io.Reader
	buf  []byte
	r, w int
}

var readBufs = sync.Pool{New: func() any { return &readBuf{buf: make([]byte, readBufSize)} }}

// getReadBuf returns an empty buffer reading conn.
func getReadBuf(conn io.Reader) *readBuf {
	b := readBufs.Get().(*readBuf)
	b.conn, b.r, b.w = conn, 0, 0
	return b
}

// put gives b back for another connection's read.
func (b *readBuf) put() {
	b.conn, b.r, b.w = nil, 0, 0
	readBufs.Put(b)
}

// fill reads once into the empty buffer (waiting, up to the read
// deadline, when nothing is there).
func (b *readBuf) fill() error {
	n, err := b.conn.Read(b.buf)
	b.r, b.w = 0, n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// buffered reports whether bytes read are still to be handed out.
func (b *readBuf) buffered() bool { return b.r < b.w }

// Read hands out buffered bytes, or reads from the connection into p
// once the buffer is used up.
func (b *readBuf) Read(p []byte) (int, error) {
	if b.r < b.w {
		n := copy(p, b.buf[b.r:b.w])
		b.r += n
		return n, nil
	}
	return b.conn.Read(p)
}
