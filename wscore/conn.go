package wscore

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Conn is one open WebSocket connection, server or client side. Its methods are
// safe to call from any goroutine. The engine reads it from a single goroutine
// of its own, which runs the protocol's callbacks.
type Conn struct {
	conn     net.Conn
	raw      syscall.RawConn // set for plain sockets: reads without holding a buffer while idle
	rr       rawRead         // the reader's state of a raw read (read.go)
	cfg      *config
	handler  messageHandler
	server   *Server
	isClient bool

	req         connRequest         // server side (request_pack.go)
	resp        *ConnectionResponse // client side
	subprotocol string
	extensions  string
	version     int

	w writer

	// Reader state: touched only by the reader goroutine.
	rbuf        *[]byte
	rpool       *bufferPool
	rpos, rend  int
	bufReleased atomic.Bool // the reader waits without a buffer
	msgOp       byte        // opcode of the message being assembled, 0 when none
	msg         []byte
	utf8        utf8Validator
	frameLeft   int64 // payload bytes of the current frame not read yet
	desynced    bool  // frame boundaries are lost (bad header, or failed mid-frame)
	midPayload  bool  // reading a data frame's payload

	// permessage-deflate: nil when not negotiated (compress*.go).
	deflate       *deflateConn
	msgCompressed bool // the message being assembled is compressed

	// Write batching (callMessage): the reader holds the writer's flush while
	// more input is buffered.
	holding bool
	held    int // callbacks run under the current hold

	// Closing state, under mu.
	mu            sync.Mutex
	closeReceived bool
	remoteCode    int
	remoteReason  string
	localCode     int // the close frame we sent, for LocalClose
	localReason   string
	localSent     bool
	open          bool   // the 101 went out (server side)
	closeOnOpen   bool   // Shutdown came before the 101: close right after it
	failure       string // why the engine ended the connection, for OnClose

	finished atomic.Bool
	ending   atomic.Bool // finish has begun

	// Idle hops (idle.go).
	pinned        bool          // the caller's goroutine serves the connection: no hops
	hopRequested  atomic.Bool   // the sweeper woke the reader to move it
	parked        atomic.Bool   // no working goroutine: a fresh one waits for input, or the poller does
	polled        atomic.Bool   // parked in the poller (park_linux.go); whoever clears it wakes the connection
	pollSlot      uint32        // 1 + the connection's slot in the poller, 0 when none (under the poller's lock)
	pollGen       uint64        // the poller generation it is registered with
	parkedAt      int64         // when it last parked (UnixNano; reader goroutines only)
	eagerPark     bool          // woken after a long park: park again as soon as input runs dry
	closeDeadline atomic.Int64  // the read deadline of the closing handshake (UnixNano), 0 when none
	sweptReads    uint64        // reads seen by the last sweep (under the server's mu)
	done          chan struct{} // closed when OnClose has returned; made on demand (under mu)
	ended         bool          // OnClose has returned (under mu)

	stats   connStats
	reads   atomic.Uint64 // reads from the socket, so the pinger sees traffic
	pinger  *pinger
	timings timingsRecorder
}

// connStats are a connection's counters; the server sums them for its stats.
type connStats struct {
	messagesIn, messagesOut atomic.Uint64
	bytesIn, bytesOut       atomic.Uint64
}

func newConn(nc net.Conn, cfg *config, h messageHandler, isClient bool) *Conn {
	c := &Conn{
		conn:     nc,
		cfg:      cfg,
		handler:  h,
		isClient: isClient,
		rpool:    poolFor(cfg.readBufSize),
	}
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			c.rr.fn = c.readFD
		}
	}
	c.w.init(c, nc, cfg)
	if cfg.trackTimings {
		c.timings.enable()
	}
	return c
}

// SendMessage sends one message, text or binary. It is safe to call from any
// goroutine; concurrent calls are serialized (and may share one system call).
// It returns once the message has been written to the socket, or with an error:
// one wrapping ErrClosed when the connection is closing or closed, or
// ErrWriteTimeout. The payload is not kept after SendMessage returns.
// A text payload must be valid UTF-8; the engine does not check what it sends.
func (c *Conn) SendMessage(payload []byte, isBinary bool) error {
	return c.sendMessage(payload, isBinary, false)
}

// QueueMessage sends one message like SendMessage, but returns as soon as the
// message is queued instead of waiting for the socket, so that several
// messages share one system call. It is the fast path for answering messages:
// called from OnMessage while more messages have already arrived, the answer
// is written together with the answers to those, right after them (at most
// 16 messages later, and before the reader waits for input). Otherwise the
// message is written at once, or with a write already in progress.
//
// The payload is copied (or, beyond WriteBufferSize, written) before
// QueueMessage returns, so the caller may reuse it at once. QueueMessage
// returns an error wrapping ErrClosed when the connection is closing or has
// failed. A queued message that cannot be written because the connection
// fails is lost with the connection, which OnClose reports; use SendMessage
// when the caller must know that this very message reached the socket.
// Messages queued before SendClose go out before the close frame.
func (c *Conn) QueueMessage(payload []byte, isBinary bool) error {
	return c.sendMessage(payload, isBinary, true)
}

func (c *Conn) sendMessage(payload []byte, isBinary, queue bool) error {
	op := byte(opText)
	if isBinary {
		op = opBinary
	}
	var err error
	if c.deflate != nil && len(payload) >= c.cfg.compressionThreshold {
		err = c.sendCompressed(op, payload, queue)
	} else {
		err = c.sendFrames(op, 0, payload, queue)
	}
	if err != nil {
		return err
	}
	if c.stats.messagesOut.Add(1) == 1 {
		c.timings.mark(msFirstOut)
	}
	c.stats.bytesOut.Add(uint64(len(payload)))
	return nil
}

// sendFrames writes one message's payload as it goes on the wire (compressed
// or not; rsv is for its first frame), fragmented by AutoFragmentSize. With
// queue, a message in one frame returns once queued (QueueMessage).
func (c *Conn) sendFrames(op, rsv byte, payload []byte, queue bool) error {
	if f := c.cfg.autoFragment; f > 0 && len(payload) > f {
		return c.sendFragmented(op, rsv, payload, f)
	}
	if queue {
		return c.w.queueFrame(true, rsv, op, payload)
	}
	return c.w.writeFrame(kindData, true, rsv, op, payload)
}

// sendFragmented writes payload as frames of at most size bytes, holding the
// stream so no other message interleaves. rsv goes on the first frame only.
func (c *Conn) sendFragmented(op, rsv byte, payload []byte, size int) error {
	if err := c.w.beginStream(); err != nil {
		return err
	}
	defer c.w.endStream()
	for first := true; ; first = false {
		n := min(size, len(payload))
		fop, frsv := byte(opContinuation), byte(0)
		if first {
			fop, frsv = op, rsv
		}
		if err := c.w.writeFrame(kindStream, n == len(payload), frsv, fop, payload[:n]); err != nil {
			return err
		}
		payload = payload[n:]
		if len(payload) == 0 {
			return nil
		}
	}
}

// SendClose starts the closing handshake with a close code and reason (code 0
// sends a close frame without a body). The code must be one that may be sent
// (1000-1003, 1007-1014, 3000-4999) and the reason at most 123 bytes of UTF-8.
// The connection ends when the peer answers or CloseHandshakeTimeout passes;
// OnClose reports it.
func (c *Conn) SendClose(code int, reason string) error {
	if err := checkOutgoingClose(code, reason); err != nil {
		return err
	}
	return c.sendClose(code, reason)
}

func (c *Conn) sendClose(code int, reason string) error {
	var buf [maxControlPayload]byte
	if err := c.w.writeFrame(kindClose, true, 0, opClose, appendClosePayload(buf[:0], code, reason)); err != nil {
		return err
	}
	c.mu.Lock()
	c.localCode, c.localReason, c.localSent = code, reason, true
	c.mu.Unlock()
	c.timings.mark(msCloseStart)
	if t := c.cfg.closeTimeout; t > 0 {
		d := time.Now().Add(t)
		c.closeDeadline.Store(d.UnixNano())
		c.conn.SetReadDeadline(d)
	}
	// A parked connection needs a reader again: to read the peer's answer,
	// and to give up when the close timeout passes.
	c.unpark()
	return nil
}

// closeSocket closes the TCP connection. A parked connection has no reader to
// notice: it gets one, which finds the socket closed and ends the connection.
func (c *Conn) closeSocket() error {
	err := c.conn.Close()
	c.unpark()
	return err
}

// LocalClose returns the close frame this side sent: its code (CloseNoStatus
// for a close frame without a body) and reason, and whether one was sent. After
// the engine failed a connection it holds the code and reason of the failure
// (1002, 1007, 1009...), while OnClose reports the peer's answer.
func (c *Conn) LocalClose() (code int, reason string, sent bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	code = c.localCode
	if c.localSent && code == 0 {
		code = CloseNoStatus
	}
	return code, c.localReason, c.localSent
}

// Ping sends a ping with the given payload (at most 125 bytes).
func (c *Conn) Ping(payload []byte) error {
	if len(payload) > maxControlPayload {
		return ErrControlTooLong
	}
	return c.w.writeFrame(kindControl, true, 0, opPing, payload)
}

// Close drops the TCP connection at once, without a closing handshake. OnClose
// then reports wasClean false with CloseAbnormal.
func (c *Conn) Close() error {
	c.setFailure("connection closed by the application")
	err := c.closeSocket()
	if err != nil && c.finished.Load() {
		return nil
	}
	return err
}

// Done returns a channel closed once the connection has ended and OnClose has
// returned.
func (c *Conn) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		// Made on the first call: most connections are never asked.
		c.done = make(chan struct{})
		if c.ended {
			close(c.done)
		}
	}
	return c.done
}

// Peer is the remote address, host:port (from X-Forwarded-For on a server that
// trusts it).
func (c *Conn) Peer() string {
	if p, ok := c.req.peer(); ok {
		return p
	}
	return c.conn.RemoteAddr().String()
}

// LocalAddr and RemoteAddr are the socket's addresses.
func (c *Conn) LocalAddr() net.Addr  { return c.conn.LocalAddr() }
func (c *Conn) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// Subprotocol is the negotiated subprotocol, "" when none.
func (c *Conn) Subprotocol() string { return c.subprotocol }

// Extensions is the negotiated Sec-WebSocket-Extensions value, "" when none.
func (c *Conn) Extensions() string { return c.extensions }

// Version is the protocol version in use: 13 or 8.
func (c *Conn) Version() int { return c.version }

// Request is the client's opening handshake (server side; nil on a client).
// After OnOpen the engine keeps the request in a compact form and rebuilds it
// on the first call (the same value afterwards); what OnConnect saw is not
// modified.
func (c *Conn) Request() *ConnectionRequest { return c.req.get() }

// Response is the server's answer to the opening handshake (client side; nil
// on a server).
func (c *Conn) Response() *ConnectionResponse { return c.resp }

// RequestHeader returns the request's headers (server side; nil on a client).
func (c *Conn) RequestHeader() http.Header {
	r := c.req.get()
	if r == nil {
		return nil
	}
	return r.Header
}

// IsClient tells whether this is the client side of the connection.
func (c *Conn) IsClient() bool { return c.isClient }

func (c *Conn) String() string {
	side := "server"
	if c.isClient {
		side = "client"
	}
	return fmt.Sprintf("wscore.Conn(%s, peer %s)", side, c.conn.RemoteAddr())
}

// setFailure records the first reason the engine or the application gave for
// ending the connection uncleanly.
func (c *Conn) setFailure(why string) {
	c.mu.Lock()
	if c.failure == "" {
		c.failure = why
	}
	c.mu.Unlock()
}
