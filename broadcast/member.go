package broadcast

import (
	"sync"

	"github.com/wsplug/wsplug/wscore"
)

// member is one connection known to the Hub, with its send queue.
//
// The queue is a ring of prepared messages (shared with every other
// recipient) bounded by QueueSize. It is drained by a goroutine that exists
// only while the queue is not empty: enqueue starts it when the queue goes
// from empty to non-empty, and it exits when it finds the queue empty. An idle
// connection therefore costs no goroutine, and a connection that stops
// reading blocks only its own sender (until the engine's write timeout).
type member struct {
	hub  *Hub
	conn *wscore.Conn

	// Under Hub.mu:
	subs    []sub // the topics joined, each with the member's index in it
	tracked bool  // served through Hub.Protocol: OnClose forgets it
	watched bool  // a goroutine waits for the connection's end

	mu        sync.Mutex
	ring      []*wscore.PreparedMessage
	head, n   int
	sending   bool // the drain goroutine runs; true whenever n > 0
	dead      bool // takes no more messages (ended, failed or being closed)
	closeCode int  // set by the slow-consumer policy: close after the message in flight
}

type sub struct {
	t *topic
	i int // index of the member in t.members
}

// queueKeep is the ring capacity kept across bursts; a larger ring grown by a
// burst is released when the queue empties, so an idle member holds at most
// this many slots.
const queueKeep = 8

type enqueueResult uint8

const (
	enqueued enqueueResult = iota
	droppedFull
	ignored // the member is dead
)

func (h *Hub) newMember(c *wscore.Conn) *member {
	m := &member{hub: h, conn: c}
	h.members[c] = m
	return m
}

func (m *member) in(t *topic) bool {
	for _, s := range m.subs {
		if s.t == t {
			return true
		}
	}
	return false
}

func (m *member) isDead() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dead
}

// enqueue queues pm without ever blocking on the connection, applying the
// Hub's Policy when the queue is full.
func (m *member) enqueue(pm *wscore.PreparedMessage) enqueueResult {
	m.mu.Lock()
	if m.dead {
		m.mu.Unlock()
		return ignored
	}
	limit := m.hub.opts.QueueSize
	if m.n == len(m.ring) {
		if m.n >= limit {
			return m.fullLocked()
		}
		m.grow(limit)
	}
	m.ring[(m.head+m.n)%len(m.ring)] = pm
	m.n++
	start := !m.sending
	m.sending = true
	m.mu.Unlock()
	if start {
		go m.drain()
	}
	return enqueued
}

// fullLocked applies the policy to a full queue and unlocks m.mu.
func (m *member) fullLocked() enqueueResult {
	p := m.hub.opts.Policy
	if p == DropMessage {
		m.mu.Unlock()
		return droppedFull
	}
	// Close the slow consumer: what is queued will not be sent; the drain
	// goroutine (running, since the queue is not empty) sends the close frame
	// once the message it is writing is out.
	code := wscore.ClosePolicyViolation
	if p == CloseTryAgainLater {
		code = wscore.CloseTryAgainLater
	}
	m.dead = true
	m.closeCode = code
	m.clearLocked()
	m.mu.Unlock()
	m.hub.stats.slowClosed.Add(1)
	m.hub.opts.Logger.Info("broadcast: closing a slow consumer", "peer", m.conn.Peer(), "code", code)
	return droppedFull
}

// grow enlarges the ring (doubling, at most limit), keeping the order.
func (m *member) grow(limit int) {
	size := min(max(2*len(m.ring), 4), limit)
	ring := make([]*wscore.PreparedMessage, size)
	for i := 0; i < m.n; i++ {
		ring[i] = m.ring[(m.head+i)%len(m.ring)]
	}
	m.ring, m.head = ring, 0
}

// clearLocked empties the queue, releasing the messages.
func (m *member) clearLocked() {
	clear(m.ring)
	m.head, m.n = 0, 0
	if len(m.ring) > queueKeep {
		m.ring = nil
	}
}

// drain writes queued messages in order until the queue is empty, then
// exits. It is the only goroutine that writes the Hub's messages to the
// connection, so they go out in the order they were queued.
func (m *member) drain() {
	for {
		m.mu.Lock()
		if code := m.closeCode; code != 0 {
			m.closeCode = 0
			m.sending = false
			m.mu.Unlock()
			m.conn.SendClose(code, "slow consumer: send queue full")
			m.hub.detach(m)
			return
		}
		if m.n == 0 || m.dead {
			m.sending = false
			m.clearLocked()
			m.mu.Unlock()
			return
		}
		pm := m.ring[m.head]
		m.ring[m.head] = nil
		m.head = (m.head + 1) % len(m.ring)
		m.n--
		m.mu.Unlock()

		if err := m.conn.SendPreparedMessage(pm); err != nil {
			// The connection failed or is closing: stop taking messages. Its
			// end removes it; detach does it now for the topics.
			m.mu.Lock()
			m.dead = true
			m.sending = false
			m.clearLocked()
			m.mu.Unlock()
			m.hub.detach(m)
			return
		}
		m.hub.stats.sent.Add(1)
	}
}

// detach removes a dead member from its topics; the member itself is
// forgotten when its connection ends.
func (h *Hub) detach(m *member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(m.subs) > 0 {
		h.removeLocked(m, m.subs[len(m.subs)-1].t)
	}
}

// forget removes a connection that ended (or whose application called
// LeaveAll) from every topic and from the Hub.
func (h *Hub) forget(c *wscore.Conn) {
	h.mu.Lock()
	m := h.members[c]
	if m == nil {
		h.mu.Unlock()
		return
	}
	delete(h.members, c)
	for len(m.subs) > 0 {
		h.removeLocked(m, m.subs[len(m.subs)-1].t)
	}
	h.mu.Unlock()
	m.mu.Lock()
	m.dead = true
	m.clearLocked()
	m.mu.Unlock()
}

// watch forgets a connection that joined without being served through
// Protocol, when it ends.
func (h *Hub) watch(m *member) {
	<-m.conn.Done()
	h.forget(m.conn)
}
