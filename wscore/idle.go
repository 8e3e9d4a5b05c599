package wscore

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// Idle connections and their goroutine.
//
// Every connection has one reader goroutine while it handles messages. Its
// stack grows (callbacks, writes, logging), and the runtime never shrinks a
// stack that is in use beyond a small fraction, so a connection that went idle
// would keep a 4-8 KiB stack for as long as it stays silent, which for most
// WebSocket connections is most of their life. The engine therefore moves
// idle connections off their goroutine: a sweeper (a timer per server, no
// goroutine) notices connections with no input for idleHopAfter and wakes
// their reader with a past read deadline; the reader, at a frame boundary
// with nothing buffered, parks the connection and exits. On Linux a parked
// connection waits in an epoll set with no goroutine at all
// (park_linux.go); elsewhere it waits in a fresh goroutine with a minimal
// stack (idleWait). Busy connections are never touched. The same happens
// right after OnOpen, so a connection that never sends anything never holds
// a working goroutine either.
//
// Only plain sockets (with a RawConn) park, and only connections whose
// goroutine the engine owns: ServeConn blocks its caller for the connection's
// life, so there nothing would be saved.

// idleHopAfter is how long a connection must be silent before it parks
// (between one and two sweeps). Short enough that an idle server's memory
// follows its idle connections within a second; a connection that parks
// costs a few microseconds to wake.
const idleHopAfter = 250 * time.Millisecond

// errHop ends the read loop so that a fresh goroutine continues it.
var errHop = errors.New("reader moves to a fresh goroutine")

// canHop reports whether the connection may move its reader.
func (c *Conn) canHop() bool { return c.raw != nil && !c.pinned }

// requestHop asks the reader to move to a fresh goroutine when it is waiting
// for input. Called by the sweeper.
func (c *Conn) requestHop() {
	if c.w.isClosing() || c.ending.Load() {
		return
	}
	c.hopRequested.Store(true)
	c.conn.SetReadDeadline(time.Unix(1, 0)) // wakes a blocked read at once
}

// hopInterrupted reports whether err is the sweeper's wake-up. The read
// deadline is restored: the close timeout when closing, none otherwise.
func (c *Conn) hopInterrupted(err error) bool {
	if !c.hopRequested.Load() || !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	c.hopRequested.Store(false)
	// sendClose may store a close deadline at any moment (it stores, then
	// sets it): set what we read, then make sure it did not change meanwhile,
	// or our restore could undo its deadline.
	for {
		d := c.closeDeadline.Load()
		if d != 0 {
			c.conn.SetReadDeadline(time.Unix(0, d))
		} else {
			c.conn.SetReadDeadline(time.Time{})
		}
		if c.closeDeadline.Load() == d {
			return true
		}
	}
}

// serveLoop runs the read loop on the current goroutine until the connection
// ends (then finish) or the reader hops to a fresh goroutine.
func (c *Conn) serveLoop() {
	err := c.readLoop()
	if err == errHop {
		c.park()
		return
	}
	c.finish(err)
}

// idleWait is the body of a fresh reader goroutine: wait, with nothing on the
// stack and no buffer, until input arrives, then go on reading.
func (c *Conn) idleWait() {
	c.parked.Store(true)
	var peek [1]byte
	err := c.raw.Read(func(fd uintptr) bool {
		_, _, e := syscall.Recvfrom(int(fd), peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return e != syscall.EAGAIN && e != syscall.EINTR
	})
	c.parked.Store(false)
	if err != nil && c.hopInterrupted(err) {
		err = nil // a late wake-up; go on reading
	}
	if err != nil {
		c.finish(err)
		return
	}
	c.serveLoop()
}

// sweepIdle runs on the server's sweep timer: every connection that read
// nothing since the last sweep and still holds a working goroutine is asked to
// hop. It re-arms itself while the server has connections.
func (s *Server) sweepIdle() {
	s.mu.Lock()
	for c := range s.conns {
		if !c.canHop() || c.parked.Load() {
			continue
		}
		r := c.reads.Load()
		if r == c.sweptReads {
			c.requestHop()
		}
		c.sweptReads = r
	}
	if len(s.conns) > 0 {
		s.sweeper.Reset(idleHopAfter)
	} else {
		s.sweeping = false
	}
	s.mu.Unlock()
}

// startSweeper arms the sweep timer when the first connection registers.
// Called with s.mu held.
func (s *Server) startSweeper() {
	if s.sweeping {
		return
	}
	s.sweeping = true
	if s.sweeper == nil {
		s.sweeper = time.AfterFunc(idleHopAfter, s.sweepIdle)
	} else {
		s.sweeper.Reset(idleHopAfter)
	}
}
