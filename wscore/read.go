package wscore

import (
	"errors"
	"io"
	"slices"
	"syscall"
)

// errHandshakeDone ends the read loop once the closing handshake is complete.
var errHandshakeDone = errors.New("closing handshake complete")

// directReadChunk is how much a large frame's payload is read at a time when it
// is read straight into the message instead of through the read buffer.
const directReadChunk = 64 << 10

// readLoop reads frames until the connection ends and returns why:
// errHandshakeDone after a complete closing handshake, a *protocolError when the
// connection must be dropped, or the I/O error that ended it.
//
// When the peer breaks the protocol the connection is failed as RFC 6455
// section 7.1.7 says: our close frame with the code goes out (unless
// FailByDrop), the rest of the peer's input is read and discarded until its
// close frame answers ours, and then TCP is closed. The peer learns why, and
// its answer completes the handshake (Autobahn reports such a close as clean;
// LocalClose tells the application which code we sent).
func (c *Conn) readLoop() error {
	err := c.readFrames()
	var perr *protocolError
	if !errors.As(err, &perr) {
		return err
	}
	return c.fail(perr)
}

// fail fails the connection for perr, found by the reader or raised by a
// callback that panicked: close frame, then the peer's answer (see readLoop).
// It returns what ends the read loop.
func (c *Conn) fail(perr *protocolError) error {
	c.setFailure(perr.Error())
	if c.cfg.failByDrop {
		return perr
	}
	reason := perr.reason
	if len(reason) > maxCloseReason {
		reason = reason[:maxCloseReason]
		for !validUTF8Prefix(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	if c.midPayload && c.frameLeft > int64(c.rend-c.rpos) {
		// The violation was found inside a frame whose rest has not arrived
		// (fail-fast UTF-8 validation): a peer that reacts to our close at once
		// answers in the middle of its own frame, so frame boundaries are lost.
		c.desynced = true
	}
	if err := c.sendClose(perr.code, reason); err != nil {
		// Our close frame was already out (a violation while closing) or the
		// socket failed: drop.
		return perr
	}
	if perr.peerClosed {
		// The violation was the peer's close frame itself: it still ends the
		// peer's side, so the handshake is complete (as in Autobahn).
		c.mu.Lock()
		c.closeReceived, c.remoteCode, c.remoteReason = true, CloseNoStatus, ""
		c.mu.Unlock()
		return errHandshakeDone
	}
	return c.drain()
}

// readFrames reads and dispatches frames until an error ends the loop.
func (c *Conn) readFrames() error {
	for {
		// Wait for data here rather than deeper in readHeader: an idle
		// connection parks with a shallow stack, which lets the runtime shrink
		// its goroutine's stack to the minimum.
		if c.rend == c.rpos {
			if err := c.fillOrHop(); err != nil {
				return err
			}
		}
		h, err := c.readHeader()
		if err != nil {
			return err
		}
		c.frameLeft = h.length
		if err := c.checkHeader(&h); err != nil {
			if h.opcode == opClose {
				// A malformed close frame still means the peer is done.
				err.peerClosed = true
			}
			return err
		}
		if c.cfg.logFrames {
			c.logFrame("recv", h.fin, h.rsv, h.opcode, h.length, h.masked)
		}
		if isControl(h.opcode) {
			err = c.readControl(&h)
		} else {
			err = c.readData(&h)
		}
		if err != nil {
			return err
		}
	}
}

// drain runs after our close frame went out because the peer broke the
// protocol: it skips the rest of the frame the violation was found in, then
// discards frames until the peer's close frame arrives (errHandshakeDone) or the
// close timeout set by sendClose passes. Nothing is buffered or validated.
func (c *Conn) drain() error {
	if c.desynced {
		// The stream has no frame boundaries we can trust: half-close so the
		// peer sees the end after our close frame, and wait for it to go away.
		if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		for {
			if err := c.skip(1 << 62); err != nil {
				return err
			}
		}
	}
	if err := c.skip(c.frameLeft); err != nil {
		return err
	}
	for {
		h, err := c.readHeader()
		if err != nil {
			return err
		}
		if h.opcode != opClose || h.length > maxControlPayload {
			if err := c.skip(h.length); err != nil {
				return err
			}
			continue
		}
		if err := c.ensure(int(h.length)); err != nil {
			return err
		}
		p := (*c.rbuf)[c.rpos : c.rpos+int(h.length)]
		c.rpos += int(h.length)
		if h.masked && c.cfg.applyMask {
			maskBytes(h.key, 0, p)
		}
		code, reason, fail, _ := parseClosePayload(p, c.cfg.validateUTF8)
		c.mu.Lock()
		c.closeReceived = true
		if fail == 0 {
			c.remoteCode, c.remoteReason = code, reason
		} else {
			c.remoteCode = CloseNoStatus
		}
		c.mu.Unlock()
		return errHandshakeDone
	}
}

// skip discards n payload bytes.
func (c *Conn) skip(n int64) error {
	for n > 0 {
		if c.rend == c.rpos {
			if err := c.fillOrHop(); err != nil {
				return err
			}
		}
		k := min(int64(c.rend-c.rpos), n)
		c.rpos += int(k)
		n -= k
	}
	return nil
}

// readHeader returns the next frame header from the buffer, reading as needed.
func (c *Conn) readHeader() (frameHeader, error) {
	for {
		if c.rend > c.rpos {
			h, n, err := parseFrameHeader((*c.rbuf)[c.rpos:c.rend])
			if err == nil {
				c.rpos += n
				return h, nil
			}
			if err != errNeedMore {
				c.desynced = true
				return h, failWith(CloseProtocolError, "%v", err)
			}
		}
		if err := c.fill(); err != nil {
			return frameHeader{}, err
		}
	}
}

// checkHeader judges a header against the protocol and the connection's state
// (RFC 6455 section 5): reserved bits, opcodes, control-frame rules, masking,
// fragmentation order and the size limits.
func (c *Conn) checkHeader(h *frameHeader) *protocolError {
	if h.rsv != 0 {
		if err := c.checkRSV(h); err != nil { // compress_read.go
			return err
		}
	}
	if !isKnownOpcode(h.opcode) {
		return failWith(CloseProtocolError, "unknown opcode %d", h.opcode)
	}
	if isControl(h.opcode) {
		if !h.fin {
			return failWith(CloseProtocolError, "fragmented control frame")
		}
		if h.length > maxControlPayload {
			return failWith(CloseProtocolError, "control frame payload of %d bytes (at most 125)", h.length)
		}
	} else {
		switch {
		case h.opcode == opContinuation && c.msgOp == 0:
			return failWith(CloseProtocolError, "continuation frame without a message in progress")
		case h.opcode != opContinuation && c.msgOp != 0:
			return failWith(CloseProtocolError, "new message while a fragmented message is in progress")
		}
		if m := c.cfg.maxFrame; m > 0 && h.length > m {
			return failWith(CloseMessageTooBig, "frame payload of %d bytes exceeds the limit of %d", h.length, m)
		}
		if m := c.wireLimit(h); m > 0 && int64(len(c.msg))+h.length > m {
			return failWith(CloseMessageTooBig, "message exceeds the limit of %d bytes", m)
		}
	}
	switch {
	case c.cfg.requireMasked && !h.masked:
		return failWith(CloseProtocolError, "unmasked frame from a client")
	case c.cfg.rejectMasked && h.masked:
		return failWith(CloseProtocolError, "masked frame from a server")
	}
	return nil
}

// readControl reads a ping, pong or close frame (at most 125 bytes, so it fits
// the read buffer) and acts on it.
func (c *Conn) readControl(h *frameHeader) error {
	n := int(h.length)
	if err := c.ensure(n); err != nil {
		return err
	}
	var payload []byte
	c.frameLeft = 0
	if n > 0 {
		payload = (*c.rbuf)[c.rpos : c.rpos+n]
		c.rpos += n
		if h.masked && c.cfg.applyMask {
			maskBytes(h.key, 0, payload)
		}
	}
	switch h.opcode {
	case opPing:
		// The pong carries the ping's payload. Once our close frame is out, no
		// frame may follow it: the ping goes unanswered.
		if err := c.w.writeFrame(kindControl, true, 0, opPong, payload); err != nil && !c.w.isClosing() {
			return err
		}
	case opPong:
		c.onPong(payload)
	case opClose:
		return c.onCloseFrame(payload)
	}
	return nil
}

// onCloseFrame handles the peer's close frame: validate it, answer it unless our
// own close frame went out first, and end the read loop.
func (c *Conn) onCloseFrame(p []byte) error {
	code, reason, fail, why := parseClosePayload(p, c.cfg.validateUTF8)
	if fail != 0 {
		perr := failWith(fail, "%s", why)
		perr.peerClosed = true
		return perr
	}
	c.mu.Lock()
	c.closeReceived = true
	c.remoteCode, c.remoteReason = code, reason
	c.mu.Unlock()
	c.timings.mark(msCloseStart)

	replyCode, replyReason := CloseNormal, ""
	if c.cfg.echoClose {
		replyCode, replyReason = code, reason
		if code == CloseNoStatus {
			replyCode = 0
		}
	}
	// ErrClosed itself (not wrapped) means our close frame went out first.
	if err := c.sendClose(replyCode, replyReason); err != nil && err != ErrClosed {
		return err
	}
	return errHandshakeDone
}

// readData reads a text, binary or continuation frame into the message being
// assembled, unmasking and validating UTF-8 piece by piece as bytes arrive, and
// delivers the message when the frame is its last.
func (c *Conn) readData(h *frameHeader) error {
	if h.opcode != opContinuation {
		c.msgOp = h.opcode
		c.utf8.reset()
		if c.msgCompressed = h.rsv&bitRsv1 != 0; c.msgCompressed {
			c.startCompressed()
		}
	}
	// A compressed message is validated as it is inflated.
	validate := c.msgOp == opText && c.cfg.validateUTF8 && !c.msgCompressed
	remaining := h.length
	c.midPayload = true
	pos := 0 // position in the masking key's cycle
	for remaining > 0 {
		var chunk []byte
		switch avail := c.rend - c.rpos; {
		case avail > 0:
			n := int(min(int64(avail), remaining))
			c.msg = growMessage(c.msg, n, remaining)
			start := len(c.msg)
			c.msg = append(c.msg, (*c.rbuf)[c.rpos:c.rpos+n]...)
			c.rpos += n
			chunk = c.msg[start:]
		case remaining > int64(c.rpool.size):
			// A large payload goes straight into the message, without a copy
			// through the read buffer.
			c.msg = growMessage(c.msg, int(min(remaining, directReadChunk)), remaining)
			start := len(c.msg)
			room := c.msg[start:cap(c.msg)]
			if int64(len(room)) > remaining {
				room = room[:remaining]
			}
			c.releaseHold()
			n, err := c.conn.Read(room)
			if n == 0 {
				if err != nil && c.hopInterrupted(err) {
					continue
				}
				if err == nil {
					err = io.ErrNoProgress
				}
				return err
			}
			c.reads.Add(1)
			c.msg = c.msg[:start+n]
			chunk = c.msg[start:]
			c.logOctets(chunk)
		default:
			if err := c.fill(); err != nil {
				return err
			}
			continue
		}
		remaining -= int64(len(chunk))
		c.frameLeft = remaining
		if h.masked && c.cfg.applyMask {
			pos = maskBytes(h.key, pos, chunk)
		}
		if validate && !c.utf8.write(chunk) {
			return failWith(CloseInvalidPayload, "text message is not valid UTF-8")
		}
	}
	c.midPayload = false
	if !h.fin {
		return nil
	}
	if c.msgCompressed {
		return c.deliverCompressed()
	}
	if validate && !c.utf8.complete() {
		return failWith(CloseInvalidPayload, "text message ends inside a UTF-8 sequence")
	}
	payload, isBinary := c.msg, c.msgOp == opBinary
	c.msg, c.msgOp = nil, 0
	if payload == nil {
		payload = []byte{}
	}
	if c.stats.messagesIn.Add(1) == 1 {
		c.timings.mark(msFirstIn)
	}
	c.stats.bytesIn.Add(uint64(len(payload)))
	return c.callMessage(payload, isBinary)
}

// growMessage makes room for need more bytes. It grows geometrically (beyond
// the first 64 KiB), but never past what the current frame still announces, so memory follows the bytes that
// actually arrive rather than a length a peer claims.
func growMessage(msg []byte, need int, announced int64) []byte {
	if cap(msg)-len(msg) >= need {
		return msg
	}
	// Up to 64 KiB of what the frame announces is taken at once, so a
	// typical message is allocated exactly once.
	extra := max(need, len(msg), int(min(announced, 64<<10)))
	if int64(extra) > announced {
		extra = int(announced)
	}
	if cap(msg) == 0 {
		if b := pooledPayload(extra); b != nil {
			return b // a buffer the application released (payload_pool.go)
		}
	}
	return slices.Grow(msg, extra)
}

// ensure makes at least n bytes available in the read buffer.
func (c *Conn) ensure(n int) error {
	for c.rend-c.rpos < n {
		if c.rbuf != nil && len(*c.rbuf)-c.rpos < n {
			c.compact()
		}
		if err := c.fill(); err != nil {
			return err
		}
	}
	return nil
}

// compact moves the unread bytes to the front of the read buffer.
func (c *Conn) compact() {
	n := copy(*c.rbuf, (*c.rbuf)[c.rpos:c.rend])
	c.rpos, c.rend = 0, n
}

// fill reads at least one more byte into the read buffer. On a plain socket it
// waits for data without holding a buffer: the buffer is taken from the pool
// only when bytes are there to read, and given back when the connection goes
// idle with nothing left unread.
func (c *Conn) fill() error {
	for {
		err := c.fillOnce()
		if err == nil || !c.hopInterrupted(err) {
			return err
		}
		// The sweeper woke us in the middle of a frame: keep reading here.
	}
}

// fillOrHop is fill at a frame boundary with nothing buffered, where the
// reader may move to a fresh goroutine when the sweeper asks (errHop).
func (c *Conn) fillOrHop() error {
	// A connection woken from a long park usually has one burst to handle:
	// once it is handled, park again at once instead of waiting with a
	// goroutine for the sweeper.
	err := c.readOnce(c.eagerPark && c.canHop())
	if err == errWouldWait {
		return errHop
	}
	if err != nil && c.hopInterrupted(err) {
		if c.canHop() {
			return errHop
		}
		return c.fill()
	}
	return err
}

// fillOnce does one read for fill.
func (c *Conn) fillOnce() error { return c.readOnce(false) }

// readOnce does one read; with parkIfIdle it returns errWouldWait instead of
// waiting when nothing is there to read and nothing is buffered.
func (c *Conn) readOnce(parkIfIdle bool) error {
	c.releaseHold() // nothing queued waits while the reader waits
	if c.rbuf != nil {
		if c.rpos == c.rend {
			c.rpos, c.rend = 0, 0
		} else if c.rend == len(*c.rbuf) {
			c.compact()
		}
	}
	var n int
	var err error
	if c.raw != nil {
		n, err = c.fillRaw(parkIfIdle)
	} else {
		if c.rbuf == nil {
			c.rbuf = c.rpool.get()
		}
		n, err = c.conn.Read((*c.rbuf)[c.rend:])
	}
	if n > 0 {
		c.reads.Add(1)
		c.logOctets((*c.rbuf)[c.rend : c.rend+n])
		c.rend += n
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// rawRead is the state of one read through the RawConn. It lives in the
// Conn, and the callback handed to RawConn.Read is made once per connection
// (newConn): a closure made per read would move what it captures to the heap,
// several allocations for every read.
type rawRead struct {
	fn         func(fd uintptr) bool // c.readFD
	n          int
	err        error
	parkIfIdle bool // return at once when nothing is there (errWouldWait)
	wouldWait  bool
}

// fillRaw reads from the socket through its RawConn.
func (c *Conn) fillRaw(parkIfIdle bool) (int, error) {
	r := &c.rr
	r.n, r.err, r.parkIfIdle, r.wouldWait = 0, nil, parkIfIdle, false
	if err := c.raw.Read(r.fn); err != nil {
		return 0, err
	}
	switch {
	case r.wouldWait:
		return 0, errWouldWait
	case r.err != nil:
		return 0, &netError{op: "read", err: r.err}
	case r.n == 0:
		return 0, io.EOF
	}
	return r.n, nil
}

// readFD is fillRaw's callback: it reads into the read buffer, taking one
// from the pool only when bytes are there, and gives it back while waiting.
func (c *Conn) readFD(fd uintptr) bool {
	r := &c.rr
	if c.rbuf == nil {
		c.rbuf = c.rpool.get()
		c.bufReleased.Store(false)
	}
	for {
		r.n, r.err = syscall.Read(int(fd), (*c.rbuf)[c.rend:])
		if r.err != syscall.EINTR {
			break
		}
	}
	if r.err == syscall.EAGAIN {
		if c.rend == 0 { // idle: give the buffer back while waiting
			c.rpool.put(c.rbuf)
			c.rbuf = nil
			c.bufReleased.Store(true)
			if r.parkIfIdle {
				r.wouldWait = true
				return true
			}
		}
		return false
	}
	return true
}

// errWouldWait is fillRaw's answer when nothing is there to read and the
// reader asked to park rather than wait (parkIfIdle).
var errWouldWait = errors.New("no input: park")

// netError wraps a system call error from a raw read.
type netError struct {
	op  string
	err error
}

func (e *netError) Error() string { return e.op + ": " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// releaseBuffers gives the read buffer back; the connection has ended.
func (c *Conn) releaseBuffers() {
	if c.rbuf != nil {
		c.rpool.put(c.rbuf)
		c.rbuf = nil
	}
	c.rpos, c.rend = 0, 0
	c.msg = nil
	if c.deflate != nil {
		c.deflate.release()
	}
}

// idleBufferReleased reports whether the reader gave its buffer back while
// waiting for data (safe from any goroutine; for tests and diagnostics).
func (c *Conn) idleBufferReleased() bool { return c.bufReleased.Load() }
