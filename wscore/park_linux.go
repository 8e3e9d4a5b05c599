//go:build linux

package wscore

import (
	"sync"
	"syscall"
	"time"
)

// Parking idle connections without a goroutine (Linux).
//
// An idle connection that waits in a goroutine costs that goroutine: its
// descriptor and a 2 KiB stack at least, for as long as the peer stays
// silent, which for most WebSocket connections is most of their life. On
// Linux the engine instead parks an idle connection in an epoll set of its
// own: no goroutine waits for it, and when the peer sends something (or
// hangs up) the poller starts a fresh reader goroutine for it. The socket
// stays registered with the Go runtime's poller as well, which is harmless:
// nothing waits there while the connection is parked.
//
// A parked connection is woken exactly once, by whoever flips its polled flag
// first: the poller on readiness, closeSocket when the connection is closed
// (nobody would see the close otherwise), or sendClose (the closing handshake
// has a deadline, which needs a reader waiting in the runtime's poller).
// Registrations are one-shot, so an event is delivered once per parking; an
// event for a connection that was woken some other way finds it gone from
// the table and is ignored. The poller goroutine runs only while connections
// are parked, and closes its epoll descriptor when it stops.

// The poller stops as soon as nothing is parked (an eventfd in the epoll set
// wakes it) and starts again, cheaply, when a connection parks. wakeSlot
// marks the eventfd's events.
const wakeSlot = ^uint32(0)

// epollWaitTimeout bounds a wait, as a safety net for the wake-up.
const epollWaitTimeout = time.Second

type connPoller struct {
	mu     sync.Mutex
	epfd   int // -1 when the poller is not running
	wakefd int // eventfd that wakes the poller when nothing is parked
	gen    uint64
	failed bool // epoll is not available: wait in goroutines

	// The parked connections, in slots (a map would cost several times the
	// memory per connection). An event names its slot and the slot's
	// sequence number at the time of parking, so an event that comes late
	// for a slot used again meanwhile is recognised and ignored.
	slots  []pollSlot
	free   []uint32
	parked int
}

type pollSlot struct {
	c   *Conn
	seq uint32
}

var poller = connPoller{epfd: -1, wakefd: -1}

// park hands the connection's wait for input to the poller. The caller is the
// reader goroutine, at a frame boundary with nothing buffered; it must return
// right after (the connection continues on another goroutine).
func (c *Conn) park() {
	c.parkedAt = time.Now().UnixNano()
	c.polled.Store(true)
	c.parked.Store(true)
	if poller.arm(c) {
		return
	}
	// No epoll: wait in a fresh goroutine with a minimal stack instead.
	if c.polled.CompareAndSwap(true, false) {
		go c.idleWait()
	}
}

// unpark wakes a parked connection on a fresh reader goroutine; it reports
// whether the connection was parked.
func (c *Conn) unpark() bool {
	if !c.polled.CompareAndSwap(true, false) {
		return false
	}
	poller.forget(c)
	go c.resume()
	return true
}

// resume is the body of the reader goroutine of a woken connection.
func (c *Conn) resume() {
	c.parked.Store(false)
	// Parked for a while: a sporadic sender, whose burst of input is handled
	// and parked again at once. Woken soon after parking: a busy one, left
	// to the sweeper so it does not park and wake for every message.
	c.eagerPark = time.Now().UnixNano()-c.parkedAt >= int64(idleHopAfter)
	c.serveLoop()
}

// arm registers c for one readiness event, starting the poller if needed. It
// returns false when the connection cannot be parked (no epoll, or the socket
// is closed).
func (p *connPoller) arm(c *Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed {
		return false
	}
	if p.epfd < 0 && !p.start() {
		return false
	}
	slot, seq := p.take(c)
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT}
	// The event's data (Fd and Pad) is the slot and its sequence number.
	ev.Fd, ev.Pad = int32(slot), int32(seq)
	var err error
	ctl := c.raw.Control(func(fd uintptr) {
		// Control keeps the descriptor open while we use it.
		op := syscall.EPOLL_CTL_MOD
		if c.pollGen != p.gen {
			op = syscall.EPOLL_CTL_ADD
		}
		err = syscall.EpollCtl(p.epfd, op, int(fd), &ev)
		if err == syscall.ENOENT && op == syscall.EPOLL_CTL_MOD {
			err = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
		} else if err == syscall.EEXIST && op == syscall.EPOLL_CTL_ADD {
			err = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, int(fd), &ev)
		}
	})
	if ctl != nil || err != nil {
		p.release(c)
		return false
	}
	c.pollGen = p.gen
	return true
}

// take puts c in a slot (p.mu held).
func (p *connPoller) take(c *Conn) (slot, seq uint32) {
	if n := len(p.free); n > 0 {
		slot = p.free[n-1]
		p.free = p.free[:n-1]
	} else {
		slot = uint32(len(p.slots))
		p.slots = append(p.slots, pollSlot{})
	}
	s := &p.slots[slot]
	s.c = c
	s.seq++
	c.pollSlot = slot + 1
	p.parked++
	return slot, s.seq
}

// release empties c's slot, if it has one (p.mu held).
func (p *connPoller) release(c *Conn) {
	if c.pollSlot == 0 {
		return
	}
	slot := c.pollSlot - 1
	p.slots[slot].c = nil
	p.free = append(p.free, slot)
	c.pollSlot = 0
	p.parked--
	if p.parked == 0 {
		// Let the poller stop (it gives the slots back then: until its epoll
		// set is closed, an old registration may still fire, and the slots'
		// sequence numbers must keep telling it apart).
		if p.epfd >= 0 {
			one := [8]byte{1}
			syscall.Write(p.wakefd, one[:])
		}
	}
}

// lookup returns the connection an event is for, emptying its slot, or nil
// when the event is stale (p.mu held).
func (p *connPoller) lookup(slot, seq uint32) *Conn {
	if int(slot) >= len(p.slots) {
		return nil
	}
	s := p.slots[slot]
	if s.c == nil || s.seq != seq {
		return nil
	}
	p.release(s.c)
	return s.c
}

// forget drops c from the table after it was woken other than by an event.
func (p *connPoller) forget(c *Conn) {
	p.mu.Lock()
	p.release(c)
	p.mu.Unlock()
}

// start opens the epoll set and starts the poller goroutine (p.mu held).
func (p *connPoller) start() bool {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		p.failed = true
		return false
	}
	wfd, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if errno != 0 {
		syscall.Close(fd)
		p.failed = true
		return false
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: -1} // int32(wakeSlot)
	if err := syscall.EpollCtl(fd, syscall.EPOLL_CTL_ADD, int(wfd), &ev); err != nil {
		syscall.Close(fd)
		syscall.Close(int(wfd))
		p.failed = true
		return false
	}
	p.epfd, p.wakefd = fd, int(wfd)
	p.gen++
	go p.run(fd, int(wfd))
	return true
}

// run waits for events on epfd and wakes their connections, until nothing is
// parked.
func (p *connPoller) run(epfd, wakefd int) {
	events := make([]syscall.EpollEvent, 128)
	woken := make([]*Conn, 0, 128)
	for {
		n, err := syscall.EpollWait(epfd, events, int(epollWaitTimeout/time.Millisecond))
		if err != nil && err != syscall.EINTR {
			n = 0 // not expected; the idle check below still runs
		}
		woken = woken[:0]
		p.mu.Lock()
		for _, ev := range events[:max(n, 0)] {
			if uint32(ev.Fd) == wakeSlot {
				var b [8]byte
				syscall.Read(wakefd, b[:])
				continue
			}
			if c := p.lookup(uint32(ev.Fd), uint32(ev.Pad)); c != nil {
				woken = append(woken, c)
			}
		}
		stop := p.parked == 0
		if stop {
			// Closing the set ends every registration in it: the slots
			// can start afresh with the next poller.
			p.epfd, p.wakefd = -1, -1
			p.slots, p.free = nil, nil
		}
		p.mu.Unlock()
		for i, c := range woken {
			if c.polled.CompareAndSwap(true, false) {
				go c.resume()
			}
			woken[i] = nil
		}
		if stop {
			syscall.Close(epfd)
			syscall.Close(wakefd)
			return
		}
	}
}

// parkedCount is the number of connections waiting in the poller (tests).
func (p *connPoller) parkedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.parked
}
