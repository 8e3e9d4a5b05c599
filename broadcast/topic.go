package broadcast

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wsplug/wsplug/wscore"
)

// topic is one topic with local members. Every field is guarded by Hub.mu.
//
// The node-level subscription follows the members: the first Join subscribes
// at the broker (and waits for it), the last leave starts a timer that
// unsubscribes unless someone joins first. At most one broker call per topic
// is in flight (op); a Join or an expiry that finds one waits for it and
// looks again, so Subscribe and Unsubscribe of one topic never overtake each
// other.
//
// A connection becomes a member (in members, counted by Members, given
// messages) only once the subscription is active: until then it is one of
// the joining, which keep the topic from being unsubscribed or forgotten.
// So len(members) > 0 implies subscribed.
type topic struct {
	name       string
	members    []*member
	joining    int           // Join calls waiting for the subscription
	subscribed bool          // the broker subscription is active
	op         chan struct{} // closed when the broker call in flight returns
	timer      *time.Timer   // pending unsubscription
	gen        uint64        // invalidates a timer that fired after being stopped
}

// idle reports that the topic has no member and nobody joining it: the state
// in which it is unsubscribed and forgotten.
func (t *topic) idle() bool {
	return len(t.members) == 0 && t.joining == 0
}

func (t *topic) stopTimer() {
	t.gen++
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}

// Join adds a connection to a topic: once it returns nil, the connection
// receives every message published on the topic afterwards, on any node. The
// first member of a topic on this node makes the node subscribe at the
// broker; Join returns once that subscription is active (or with the broker's
// error, and the connection has not joined), and the connection counts as a
// member (Members) only from then on. Joining twice is the same as once.
//
// A connection leaves its topics by itself when it ends. Serve it through
// Protocol and that costs nothing; otherwise the Hub keeps a goroutine
// waiting for the end of each connection that joined (or call LeaveAll from
// OnClose, which removes it sooner).
func (h *Hub) Join(c *wscore.Conn, name string) error {
	if err := checkTopic(name); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return fmt.Errorf("broadcast: join %q: %w", name, ErrClosed)
	}
	m := h.members[c]
	if m == nil {
		select {
		case <-c.Done():
			return fmt.Errorf("broadcast: join %q: %w", name, wscore.ErrClosed)
		default:
		}
		m = h.newMember(c)
		m.watched = true
		go h.watch(m)
	}
	if m.isDead() {
		return fmt.Errorf("broadcast: join %q: %w", name, wscore.ErrClosed)
	}
	t := h.topics[name]
	if t == nil {
		t = &topic{name: name}
		h.topics[name] = t
	}
	if m.in(t) {
		return nil // a member already: the topic is subscribed
	}
	t.stopTimer()
	t.joining++
	err := h.subscribeLocked(t, m)
	t.joining--
	if err != nil {
		h.scheduleExpiryLocked(t)
		return err
	}
	// No timer can have started since stopTimer above: while t.joining > 0
	// the topic is not idle, and h.mu has been held since it dropped.
	if !m.in(t) { // a concurrent Join of the same connection may have added it
		m.subs = append(m.subs, sub{t: t, i: len(t.members)})
		t.members = append(t.members, m)
	}
	return nil
}

// goneLocked reports that m is no longer wanted as a member: its connection
// ended (and was forgotten, or is being closed) while it waited to join.
func (h *Hub) goneLocked(m *member) bool {
	return h.members[m.conn] != m || m.isDead()
}

// subscribeLocked makes sure t is subscribed at the broker, waiting for a
// broker call in flight, and returns nil only if, with h.mu held since it
// looked, the Hub is open, m still wanted and t subscribed. Called and
// returns with h.mu held; the caller counts itself in t.joining, so no
// expiry unsubscribes t meanwhile.
func (h *Hub) subscribeLocked(t *topic, m *member) error {
	for {
		switch {
		case h.closed:
			return fmt.Errorf("broadcast: join %q: %w", t.name, ErrClosed)
		case h.goneLocked(m):
			return fmt.Errorf("broadcast: join %q: %w", t.name, wscore.ErrClosed)
		case t.op != nil:
			op := t.op
			h.mu.Unlock()
			<-op
			h.mu.Lock()
			continue
		case t.subscribed:
			return nil
		}
		op := make(chan struct{})
		t.op = op
		h.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), h.opts.BrokerTimeout)
		err := h.broker.Subscribe(ctx, t.name)
		cancel()
		h.mu.Lock()
		t.op = nil
		close(op)
		if err != nil {
			return fmt.Errorf("broadcast: join %q: %w", t.name, err)
		}
		t.subscribed = true
		// Look again: the Hub may have closed, or m gone, meanwhile.
	}
}

// Leave removes a connection from a topic; leaving a topic it did not join
// does nothing.
func (h *Hub) Leave(c *wscore.Conn, name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m, t := h.members[c], h.topics[name]; m != nil && t != nil {
		h.removeLocked(m, t)
	}
}

// LeaveAll removes a connection from every topic and forgets it, at once.
// Call it from OnClose when the connection is not served through Protocol
// (otherwise the Hub does it when the connection's Done channel closes).
func (h *Hub) LeaveAll(c *wscore.Conn) {
	h.forget(c)
}

// removeLocked takes m out of t (swap-delete, fixing the moved member's
// index) and schedules the unsubscription of a topic left empty.
func (h *Hub) removeLocked(m *member, t *topic) {
	k := -1
	for j, s := range m.subs {
		if s.t == t {
			k = j
			break
		}
	}
	if k < 0 {
		return
	}
	i := m.subs[k].i
	m.subs[k] = m.subs[len(m.subs)-1]
	m.subs[len(m.subs)-1] = sub{}
	m.subs = m.subs[:len(m.subs)-1]

	last := len(t.members) - 1
	if i != last {
		moved := t.members[last]
		t.members[i] = moved
		for j := range moved.subs {
			if moved.subs[j].t == t {
				moved.subs[j].i = i
				break
			}
		}
	}
	t.members[last] = nil
	t.members = t.members[:last]
	h.scheduleExpiryLocked(t)
}

// scheduleExpiryLocked arranges for an idle topic (no members, nobody
// joining) to be unsubscribed and forgotten after UnsubscribeDelay; it does
// nothing to a topic that is not idle.
func (h *Hub) scheduleExpiryLocked(t *topic) {
	if !t.idle() {
		return
	}
	t.members = nil // release the array of a topic that was large
	if !t.subscribed && t.op == nil {
		delete(h.topics, t.name)
		return
	}
	if h.closed {
		return
	}
	t.stopTimer()
	gen := t.gen
	t.timer = time.AfterFunc(h.opts.UnsubscribeDelay, func() { h.expire(t, gen) })
}

// expire unsubscribes a topic whose members all left, unless one joined (or
// is joining) meanwhile.
func (h *Hub) expire(t *topic, gen uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.gen != gen || h.topics[t.name] != t {
		return
	}
	t.timer = nil
	for !h.closed && t.idle() {
		if t.op != nil {
			op := t.op
			h.mu.Unlock()
			<-op
			h.mu.Lock()
			continue
		}
		if !t.subscribed {
			delete(h.topics, t.name)
			return
		}
		op := make(chan struct{})
		t.op = op
		h.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), h.opts.BrokerTimeout)
		err := h.broker.Unsubscribe(ctx, t.name)
		cancel()
		h.mu.Lock()
		t.op = nil
		close(op)
		t.subscribed = false
		if err != nil && !errors.Is(err, ErrClosed) { // a closed broker holds no subscription
			h.opts.Logger.Warn("broadcast: unsubscribing failed", "topic", t.name, "error", err)
		}
	}
}
