package wscore

import (
	"errors"
	"io"
)

// defaultStreamFrameSize is the frame size of NextWriter when AutoFragmentSize
// is not set.
const defaultStreamFrameSize = 32 << 10

// NextWriter starts a message that is written in pieces, for messages too large
// to hold in memory: the bytes written go out as fragments of AutoFragmentSize
// (default 32 KiB) while the message is being produced. Other messages wait
// until the writer is closed; pings and pongs may go out between fragments.
// Close sends the final fragment and must be called, also after an error.
//
// A message from NextWriter is never compressed, also on a connection that
// negotiated permessage-deflate: its fragments go out uncompressed (RSV1
// clear), which RFC 7692 allows per message. Use SendMessage (or a
// PreparedMessage) for messages that should be compressed.
func (c *Conn) NextWriter(isBinary bool) (io.WriteCloser, error) {
	if err := c.w.beginStream(); err != nil {
		return nil, err
	}
	op := byte(opText)
	if isBinary {
		op = opBinary
	}
	size := c.cfg.autoFragment
	if size <= 0 {
		size = defaultStreamFrameSize
	}
	pool := poolFor(size)
	return &messageWriter{c: c, op: op, pool: pool, buf: pool.get()}, nil
}

// messageWriter is a message in progress from NextWriter. It holds at most one
// frame's worth of bytes.
type messageWriter struct {
	c      *Conn
	op     byte // the message opcode until the first frame is out, then continuation
	pool   *bufferPool
	buf    *[]byte
	n      int // bytes buffered in buf
	total  int
	err    error
	closed bool
}

var errWriterClosed = errors.New("wscore: write to a closed message writer")

func (mw *messageWriter) Write(p []byte) (int, error) {
	if mw.closed {
		return 0, errWriterClosed
	}
	if mw.err != nil {
		return 0, mw.err
	}
	written := 0
	size := len(*mw.buf)
	for len(p) > 0 {
		if mw.n == size {
			// The buffer is full and more data follows: it is not the last frame.
			if err := mw.frame(false, (*mw.buf)[:mw.n]); err != nil {
				return written, err
			}
			mw.n = 0
		}
		k := copy((*mw.buf)[mw.n:], p)
		mw.n += k
		written += k
		p = p[k:]
	}
	mw.total += written
	return written, nil
}

// frame sends one fragment.
func (mw *messageWriter) frame(fin bool, payload []byte) error {
	err := mw.c.w.writeFrame(kindStream, fin, 0, mw.op, payload)
	mw.op = opContinuation
	if err != nil {
		mw.err = err
	}
	return err
}

// Close sends the last fragment (the buffered bytes, possibly none) and lets
// other messages go out again.
func (mw *messageWriter) Close() error {
	if mw.closed {
		return nil
	}
	mw.closed = true
	defer func() {
		mw.pool.put(mw.buf)
		mw.buf = nil
		mw.c.w.endStream()
	}()
	if mw.err != nil {
		return mw.err
	}
	if err := mw.frame(true, (*mw.buf)[:mw.n]); err != nil {
		return err
	}
	if mw.c.stats.messagesOut.Add(1) == 1 {
		mw.c.timings.mark(msFirstOut)
	}
	mw.c.stats.bytesOut.Add(uint64(mw.total))
	return nil
}
