package loadgen

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"
)

// maxMessage bounds what a connection accepts from the server.
const maxMessage = 64 << 20

// errPeerClosed is returned once the server's close frame arrived.
var errPeerClosed = errors.New("server sent a close frame")

// conn is one client connection: a read buffer that frames are parsed from in
// place, a write buffer that a batch of frames is built in and written with
// one system call, and the compression state when negotiated.
type conn struct {
	nc         net.Conn
	rbuf       []byte
	rpos, rend int
	wbuf       []byte

	// The message being assembled when it spans frames or exceeds rbuf.
	msg           []byte
	msgOp         byte
	msgCompressed bool

	raw        bool          // talking to a raw TCP echo: frames come back masked
	defl       *deflateState // nil unless permessage-deflate is in use
	extensions string

	keys     *rand.ChaCha8
	keyCache uint64
	keyHalf  bool
}

func newConn(nc net.Conn, bufSize int) *conn {
	var seed [32]byte
	cryptoSeed(seed[:])
	return &conn{
		nc:   nc,
		rbuf: make([]byte, bufSize),
		keys: rand.NewChaCha8(seed),
	}
}

// nextKey returns a masking key. Keys come from a ChaCha8 stream seeded from
// crypto/rand, so a server cannot predict them (RFC 6455 section 5.3), at a
// few nanoseconds each.
func (c *conn) nextKey() uint32 {
	if c.keyHalf {
		c.keyHalf = false
		return uint32(c.keyCache >> 32)
	}
	c.keyCache = c.keys.Uint64()
	c.keyHalf = true
	return uint32(c.keyCache)
}

// appendFrame adds one masked frame to the write buffer: a whole message
// (rsv1 set when its payload is compressed) or a control frame.
func (c *conn) appendFrame(op byte, rsv1 bool, payload []byte) {
	key := c.nextKey()
	c.wbuf = appendHeader(c.wbuf, true, rsv1, op, len(payload), true, key)
	c.wbuf = appendMasked(c.wbuf, payload, key)
}

// flush writes the write buffer.
func (c *conn) flush() error {
	if len(c.wbuf) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	return err
}

// fill reads more bytes into the read buffer, making room first.
func (c *conn) fill() error {
	if c.rpos == c.rend {
		c.rpos, c.rend = 0, 0
	} else if c.rend == len(c.rbuf) {
		c.rend = copy(c.rbuf, c.rbuf[c.rpos:c.rend])
		c.rpos = 0
	}
	n, err := c.nc.Read(c.rbuf[c.rend:])
	c.rend += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// ensure makes n <= len(rbuf) bytes available at rpos.
func (c *conn) ensure(n int) error {
	for c.rend-c.rpos < n {
		if len(c.rbuf)-c.rpos < n {
			c.rend = copy(c.rbuf, c.rbuf[c.rpos:c.rend])
			c.rpos = 0
		}
		if err := c.fill(); err != nil {
			return err
		}
	}
	return nil
}

// readHeader parses the next frame header, reading as needed.
func (c *conn) readHeader() (header, error) {
	for {
		h, err := parseHeader(c.rbuf[c.rpos:c.rend])
		if err == nil {
			c.rpos += h.size
			return h, nil
		}
		if err != errShortHeader {
			return h, err
		}
		if err := c.ensure(c.rend - c.rpos + 1); err != nil {
			return h, err
		}
	}
}

// frameReady tells whether a whole frame is already buffered, so reading it
// will not block.
func (c *conn) frameReady() bool {
	h, err := parseHeader(c.rbuf[c.rpos:c.rend])
	return err == nil && c.rend-c.rpos >= h.size+h.length
}

// next returns the next data message, and whether its payload is
// compressed (RSV1). The payload is valid until the next call. Pings are
// answered, pongs dropped; the server's close frame gives errPeerClosed.
func (c *conn) next() (op byte, payload []byte, compressed bool, err error) {
	for {
		h, err := c.readHeader()
		if err != nil {
			return 0, nil, false, err
		}
		if h.rsv23 || (h.rsv1 && (c.defl == nil || h.op == opContinuation)) {
			return 0, nil, false, fmt.Errorf("frame with reserved bits 0x%02x", c.rbuf[c.rpos-h.size]&0x70)
		}
		if h.masked && !c.raw {
			return 0, nil, false, errors.New("masked frame from the server")
		}
		if h.op >= opClose {
			if err := c.control(h); err != nil {
				return 0, nil, false, err
			}
			continue
		}
		switch {
		case h.op == opContinuation && c.msgOp == 0:
			return 0, nil, false, errors.New("continuation frame without a message")
		case h.op != opContinuation && c.msgOp != 0:
			return 0, nil, false, errors.New("new message inside a fragmented one")
		case h.op != opContinuation && h.op != opText && h.op != opBinary:
			return 0, nil, false, fmt.Errorf("unknown opcode %d", h.op)
		}
		if h.op != opContinuation && h.fin && h.length <= len(c.rbuf) {
			// The common case: a whole message in one frame that fits the
			// buffer is used in place.
			if err := c.ensure(h.length); err != nil {
				return 0, nil, false, err
			}
			p := c.rbuf[c.rpos : c.rpos+h.length]
			c.rpos += h.length
			if h.masked {
				xorKey(p, h.key)
			}
			return h.op, p, h.rsv1, nil
		}
		if h.op != opContinuation {
			c.msgOp, c.msgCompressed, c.msg = h.op, h.rsv1, c.msg[:0]
		}
		if len(c.msg)+h.length > maxMessage {
			return 0, nil, false, fmt.Errorf("message exceeds %d bytes", maxMessage)
		}
		if err := c.readPayload(h); err != nil {
			return 0, nil, false, err
		}
		if h.fin {
			op := c.msgOp
			c.msgOp = 0
			return op, c.msg, c.msgCompressed, nil
		}
	}
}

// readPayload appends a frame's payload to msg: what is buffered, then the
// rest straight from the socket.
func (c *conn) readPayload(h header) error {
	start := len(c.msg)
	left := h.length
	n := min(left, c.rend-c.rpos)
	c.msg = append(c.msg, c.rbuf[c.rpos:c.rpos+n]...)
	c.rpos += n
	left -= n
	if left > 0 {
		c.msg = growTo(c.msg, len(c.msg)+left)
		if _, err := io.ReadFull(c.nc, c.msg[len(c.msg):len(c.msg)+left]); err != nil {
			return err
		}
		c.msg = c.msg[:len(c.msg)+left]
	}
	if h.masked {
		xorKey(c.msg[start:], h.key)
	}
	return nil
}

func growTo(b []byte, n int) []byte {
	if cap(b) >= n {
		return b
	}
	nb := make([]byte, len(b), max(n, 2*cap(b)))
	copy(nb, b)
	return nb
}

// control handles a control frame whose header was just read.
func (c *conn) control(h header) error {
	if !h.fin || h.length > 125 || h.rsv1 {
		return errors.New("malformed control frame")
	}
	if err := c.ensure(h.length); err != nil {
		return err
	}
	p := c.rbuf[c.rpos : c.rpos+h.length]
	c.rpos += h.length
	if h.masked {
		xorKey(p, h.key)
	}
	switch h.op {
	case opPing:
		c.appendFrame(opPong, false, p)
		return c.flush()
	case opPong:
		return nil
	case opClose:
		return errPeerClosed
	}
	return fmt.Errorf("unknown control opcode %d", h.op)
}

// close runs the closing handshake (our close frame, then wait for the
// server's, bounded by timeout) and closes the socket.
func (c *conn) close(timeout time.Duration) {
	defer c.nc.Close()
	if c.raw {
		return
	}
	c.nc.SetDeadline(time.Now().Add(timeout))
	c.wbuf = c.wbuf[:0]
	c.appendFrame(opClose, false, []byte{0x03, 0xE8}) // 1000
	if c.flush() != nil {
		return
	}
	for {
		if _, _, _, err := c.next(); err != nil {
			return
		}
	}
}
