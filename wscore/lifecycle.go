package wscore

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"time"
)

// run drives an open connection on the calling goroutine: OnOpen, the read
// loop with its callbacks, the end of the connection and OnClose. It returns
// when OnClose has returned.
//
// A connection whose goroutine the engine owns may continue on another
// goroutine (see idle.go); run then returns early, and Done tells when the
// connection has ended.
func (c *Conn) run() {
	c.timings.mark(msOpened)
	c.startPinger()
	if !c.callOpen() {
		// As for a panic in OnMessage: the peer gets 1011 and its answer
		// completes the closing handshake.
		c.finish(c.fail(failWith(CloseInternalError, "internal error")))
		return
	}
	c.req.pack() // kept for the connection's life: compactly (request_pack.go)
	if c.canHop() && c.rend == c.rpos {
		// Wait for the first message with a minimal stack and no buffer.
		if c.rbuf != nil {
			c.rpool.put(c.rbuf)
			c.rbuf, c.rpos, c.rend = nil, 0, 0
		}
		c.park()
		return
	}
	c.serveLoop()
}

// finish ends the connection for the reason the read loop returned: completes
// the closing handshake's TCP part, fails the connection when the peer broke the
// protocol, releases resources and reports OnClose exactly once.
func (c *Conn) finish(err error) {
	c.ending.Store(true)
	var perr *protocolError
	switch {
	case err == errHandshakeDone:
		if c.isClient {
			c.awaitDrop() // the server closes TCP first
		} else {
			c.lingerClose()
		}
	case errors.As(err, &perr):
		// Dropped without a closing handshake; readLoop recorded why.
	case errors.Is(err, os.ErrDeadlineExceeded) && c.w.isClosing():
		c.setFailure("closing handshake timed out")
	case errors.Is(err, io.EOF):
		c.setFailure("peer closed the TCP connection without a closing handshake")
	case errors.Is(err, net.ErrClosed):
		c.setFailure("connection closed")
	default:
		c.setFailure(err.Error())
	}
	if c.pinger != nil {
		c.pinger.stop()
	}
	c.conn.Close()
	c.w.fail(ErrClosed)
	c.releaseBuffers()
	c.timings.mark(msCloseEnd)
	c.finished.Store(true)

	c.mu.Lock()
	wasClean := err == errHandshakeDone && c.closeReceived
	code, reason := c.remoteCode, c.remoteReason
	if !wasClean {
		code, reason = CloseAbnormal, c.failure
	}
	c.mu.Unlock()

	if c.cfg.logger != nil {
		c.cfg.logger.Debug("websocket closed", "peer", c.Peer(), "clean", wasClean, "code", code, "reason", reason)
	}
	c.callClose(wasClean, code, reason)
	if c.server != nil {
		c.server.unregister(c)
	}
	c.mu.Lock()
	c.ended = true
	if c.done != nil {
		close(c.done)
	}
	c.mu.Unlock()
}

func validUTF8Prefix(s string) bool {
	var v utf8Validator
	return v.write([]byte(s)) && v.complete()
}

// lingerClose is the server's last step of a closing handshake: close TCP
// first, but gracefully. It sends FIN and reads until the peer closes too (or
// the close timeout), so bytes the peer sent after its close frame do not turn
// the close into a reset that could destroy our close frame in flight.
func (c *Conn) lingerClose() {
	if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	t := c.cfg.closeTimeout
	if t <= 0 || t > time.Second {
		t = time.Second
	}
	c.conn.SetReadDeadline(time.Now().Add(t))
	var buf [256]byte
	for {
		if _, err := c.conn.Read(buf[:]); err != nil {
			return
		}
	}
}

// awaitDrop is the client's last step of a closing handshake: wait for the
// server to close TCP, then close it ourselves.
func (c *Conn) awaitDrop() {
	if d := c.cfg.dropTimeout; d > 0 {
		c.conn.SetReadDeadline(time.Now().Add(d))
	} else {
		c.conn.SetReadDeadline(time.Time{}) // ServerConnectionDropTimeout -1: no limit
	}
	var buf [512]byte
	for {
		if _, err := c.conn.Read(buf[:]); err != nil {
			return
		}
	}
}

// The callbacks run under recover: a panic in application code fails its own
// connection with 1011 and is logged with its stack, instead of ending the
// process.

func (c *Conn) callOpen() (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.logPanic("OnOpen", r)
			ok = false
		}
	}()
	c.handler.OnOpen(c)
	return true
}

// callMessage hands a message to OnMessage. When another whole frame is
// already buffered, the reader holds the writer's flush, so what the callbacks
// queue (QueueMessage) goes out in one write once the last buffered message
// has been handled, or after maxHeldMessages.
func (c *Conn) callMessage(payload []byte, isBinary bool) error {
	more := c.frameBuffered()
	if more && !c.holding {
		c.holding = true
		c.w.setHold(true)
	}
	err := c.dispatchMessage(payload, isBinary)
	if c.holding {
		if c.held++; !more || c.held >= maxHeldMessages {
			c.releaseHold()
		}
	}
	return err
}

// maxHeldMessages bounds how many callbacks' answers wait for one write.
const maxHeldMessages = 16

// releaseHold writes what held callbacks queued; the reader calls it before it
// waits for input.
func (c *Conn) releaseHold() {
	if c.holding {
		c.holding, c.held = false, 0
		c.w.setHold(false)
	}
}

// frameBuffered reports whether the read buffer holds another whole frame.
func (c *Conn) frameBuffered() bool {
	if c.rend == c.rpos {
		return false
	}
	h, n, err := parseFrameHeader((*c.rbuf)[c.rpos:c.rend])
	return err == nil && int64(c.rend-c.rpos-n) >= h.length
}

func (c *Conn) dispatchMessage(payload []byte, isBinary bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.logPanic("OnMessage", r)
			err = failWith(CloseInternalError, "internal error")
		}
	}()
	c.handler.OnMessage(c, payload, isBinary)
	return nil
}

func (c *Conn) callClose(wasClean bool, code int, reason string) {
	defer func() {
		if r := recover(); r != nil {
			c.logPanic("OnClose", r)
		}
	}()
	c.handler.OnClose(c, wasClean, code, reason)
}

func (c *Conn) logPanic(callback string, r any) {
	c.cfg.logger.Error("websocket callback panicked", "callback", callback, "peer", c.Peer(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
}
