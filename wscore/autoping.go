package wscore

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"sync"
	"time"
)

// pinger sends automatic pings (AutoPingInterval) and drops the connection
// when the matching pong does not come back within AutoPingTimeout. It runs on
// one timer: no goroutine of its own while it waits.
//
// A received frame of any kind while a ping is outstanding proves the peer is
// alive (Autobahn's autoPingRestartOnAnyTraffic): the timeout then schedules
// the next ping instead of dropping.
type pinger struct {
	c        *Conn
	interval time.Duration
	timeout  time.Duration
	size     int

	mu       sync.Mutex
	timer    *time.Timer
	payload  []byte // the outstanding ping's payload; nil when none
	reads    uint64 // c.reads when the ping was sent
	stopped  bool
	sentPing uint64 // pings sent, for tests
}

func (c *Conn) startPinger() {
	if c.cfg.pingInterval <= 0 {
		return
	}
	p := &pinger{c: c, interval: c.cfg.pingInterval, timeout: c.cfg.pingTimeout, size: c.cfg.pingSize}
	c.pinger = p
	p.mu.Lock()
	p.timer = time.AfterFunc(p.interval, p.fire)
	p.mu.Unlock()
}

// fire runs on the timer: either it is time for a ping, or the outstanding
// ping's timeout has passed.
func (p *pinger) fire() {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	if p.payload != nil {
		if p.c.reads.Load() == p.reads {
			p.stopped = true
			p.mu.Unlock()
			p.c.setFailure(fmt.Sprintf("auto-ping timeout: no pong within %v", p.timeout))
			p.c.closeSocket()
			return
		}
		p.payload = nil // the peer sent something: it is alive
	}
	payload := make([]byte, p.size)
	rand.Read(payload)
	p.payload = payload
	p.reads = p.c.reads.Load()
	p.sentPing++
	p.timer.Reset(p.timeout)
	p.mu.Unlock()
	// Sending may wait for the socket; it is done outside the lock.
	p.c.Ping(payload)
}

// pong is called by the reader for every pong received.
func (p *pinger) pong(payload []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || p.payload == nil || !bytes.Equal(payload, p.payload) {
		return // unsolicited, or an answer to someone else's ping
	}
	p.payload = nil
	p.timer.Reset(p.interval)
}

func (p *pinger) stop() {
	p.mu.Lock()
	p.stopped = true
	if p.timer != nil {
		p.timer.Stop()
	}
	p.mu.Unlock()
}

// onPong handles a received pong: it may answer the automatic ping.
func (c *Conn) onPong(payload []byte) {
	if c.pinger != nil {
		c.pinger.pong(payload)
	}
}
