package broadcast

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/wsplug/wsplug/wscore"
)

// Errors of the Hub, besides ErrClosed; test with errors.Is.
var (
	ErrBadTopic    = errors.New("broadcast: bad topic")
	ErrInvalidUTF8 = errors.New("broadcast: text message is not valid UTF-8")
)

// Hub delivers messages published on topics to the WebSocket connections that
// joined them, on this node and, through its Broker, on every other node.
// Make one per node (or per independent set of topics) with NewHub; it is safe
// for concurrent use.
type Hub struct {
	opts   HubOptions
	broker Broker

	mu      sync.RWMutex // write: membership; read: fan-out
	closed  bool
	topics  map[string]*topic
	members map[*wscore.Conn]*member

	stats hubCounters
}

type hubCounters struct {
	published, received, enqueued, sent atomic.Uint64
	dropped, slowClosed, decodeErrors   atomic.Uint64
	resyncs                             atomic.Uint64
	lastLag, maxLag                     atomic.Int64
}

// NewHub makes a Hub and starts its broker.
func NewHub(opts HubOptions) (*Hub, error) {
	o, err := opts.resolved()
	if err != nil {
		return nil, err
	}
	h := &Hub{
		opts:    o,
		broker:  o.Broker,
		topics:  map[string]*topic{},
		members: map[*wscore.Conn]*member{},
	}
	if err := h.broker.Start(Handler{Deliver: h.deliver, Resync: h.resync}); err != nil {
		return nil, fmt.Errorf("broadcast: starting the broker: %w", err)
	}
	return h, nil
}

// MustNewHub is NewHub that panics on a bad configuration, for set-up code.
func MustNewHub(opts HubOptions) *Hub {
	h, err := NewHub(opts)
	if err != nil {
		panic(err)
	}
	return h
}

// NodeID is this node's ID, as written in the envelopes it publishes.
func (h *Hub) NodeID() string { return h.opts.NodeID }

// Broker returns the Hub's broker.
func (h *Hub) Broker() Broker { return h.broker }

// Publish sends a message to every connection that joined topic, on every
// node, the publisher's own connections included. It returns once the broker
// has taken the message (with the in-memory broker: once every local
// recipient has it queued); it never waits for a connection to write it. A
// text payload must be valid UTF-8. Delivery is at most once: a message a
// connection's full queue cannot take, or that is published while the broker
// is disconnected, is lost.
func (h *Hub) Publish(ctx context.Context, topic string, payload []byte, isBinary bool) error {
	if err := checkTopic(topic); err != nil {
		return err
	}
	if !isBinary && !utf8.Valid(payload) {
		return ErrInvalidUTF8
	}
	h.mu.RLock()
	closed := h.closed
	h.mu.RUnlock()
	if closed {
		return fmt.Errorf("broadcast: publish %q: %w", topic, ErrClosed)
	}
	data, err := AppendEnvelope(make([]byte, 0, envelopeHeader+len(h.opts.NodeID)+len(payload)), Envelope{
		Origin:    h.opts.NodeID,
		Published: time.Now(),
		Binary:    isBinary,
		Payload:   payload,
	})
	if err != nil {
		return err
	}
	if err := h.broker.Publish(ctx, topic, data); err != nil {
		return fmt.Errorf("broadcast: publish %q: %w", topic, err)
	}
	h.stats.published.Add(1)
	return nil
}

// deliver is the broker's Deliver callback: one message of a subscribed topic,
// encoded once and queued for every local member.
func (h *Hub) deliver(name string, data []byte) {
	env, err := ParseEnvelope(data)
	if err == nil && !env.Binary && !utf8.Valid(env.Payload) {
		// Publish checks its own text, but anyone who can publish on the
		// backplane's channel can send an envelope: invalid text would make
		// every client fail the connection with 1007.
		err = ErrInvalidUTF8
	}
	if err != nil {
		h.stats.decodeErrors.Add(1)
		h.opts.Logger.Warn("broadcast: dropped a malformed message from the broker", "topic", name, "error", err)
		return
	}
	h.stats.received.Add(1)
	if !env.Published.IsZero() {
		lag := int64(time.Since(env.Published))
		h.stats.lastLag.Store(lag)
		for {
			m := h.stats.maxLag.Load()
			if lag <= m || h.stats.maxLag.CompareAndSwap(m, lag) {
				break
			}
		}
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	t := h.topics[name]
	if t == nil || len(t.members) == 0 {
		return
	}
	pm := wscore.NewPreparedMessage(env.Payload, env.Binary)
	var queued, dropped uint64
	for _, m := range t.members {
		switch m.enqueue(pm) {
		case enqueued:
			queued++
		case droppedFull:
			dropped++
		}
	}
	h.stats.enqueued.Add(queued)
	if dropped > 0 {
		h.stats.dropped.Add(dropped)
	}
}

// resync is the broker's Resync callback.
func (h *Hub) resync() {
	h.stats.resyncs.Add(1)
	topics := h.Topics()
	h.opts.Logger.Info("broadcast: broker reconnected; messages published during the outage are lost", "topics", len(topics))
	if f := h.opts.OnResync; f != nil {
		f(topics)
	}
}

// Topics returns the topics this node has members for (or is still
// subscribed to, within UnsubscribeDelay of their last member leaving),
// sorted.
func (h *Hub) Topics() []string {
	h.mu.RLock()
	out := make([]string, 0, len(h.topics))
	for name := range h.topics {
		out = append(out, name)
	}
	h.mu.RUnlock()
	slices.Sort(out)
	return out
}

// Members returns how many local connections joined topic: those whose Join
// returned nil (a Join still waiting for the broker's subscription does not
// count), so every one of them receives what is published from now on.
func (h *Hub) Members(topic string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if t := h.topics[topic]; t != nil {
		return len(t.members)
	}
	return 0
}

// Stats are a Hub's counters since it started.
type Stats struct {
	Topics  int // topics with local members (or about to be unsubscribed)
	Members int // connections known to the hub
	// Published counts messages this node published; Received those the broker
	// delivered to it (from every node).
	Published, Received uint64
	// Enqueued counts messages queued for connections, one per recipient; Sent
	// those written to their connection.
	Enqueued, Sent uint64
	// Dropped counts messages a full queue could not take (DropMessage);
	// SlowClosed the connections closed for a full queue.
	Dropped, SlowClosed uint64
	// DecodeErrors counts malformed messages from the broker (another format
	// version, or a foreign publisher on the same channel), text messages
	// that are not valid UTF-8 included; they are dropped.
	DecodeErrors uint64
	// Resyncs counts reconnections of the broker.
	Resyncs uint64
	// LastLag and MaxLag are the time from Publish on the origin node to the
	// arrival at this node, of the last message and the slowest one.
	LastLag, MaxLag time.Duration
}

// Stats returns a snapshot of the Hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.RLock()
	st := Stats{Topics: len(h.topics), Members: len(h.members)}
	h.mu.RUnlock()
	st.Published = h.stats.published.Load()
	st.Received = h.stats.received.Load()
	st.Enqueued = h.stats.enqueued.Load()
	st.Sent = h.stats.sent.Load()
	st.Dropped = h.stats.dropped.Load()
	st.SlowClosed = h.stats.slowClosed.Load()
	st.DecodeErrors = h.stats.decodeErrors.Load()
	st.Resyncs = h.stats.resyncs.Load()
	st.LastLag = time.Duration(h.stats.lastLag.Load())
	st.MaxLag = time.Duration(h.stats.maxLag.Load())
	return st
}

// Close stops the Hub: Join and Publish fail with ErrClosed, nothing more is
// delivered, and the broker is closed. Messages already queued are still
// written; connections stay open (shut their server down to close them).
func (h *Hub) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	for _, t := range h.topics {
		t.stopTimer()
	}
	h.mu.Unlock()
	return h.broker.Close()
}
