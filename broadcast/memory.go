package broadcast

import (
	"context"
	"fmt"
	"sync"
)

// MemoryBus connects brokers inside one process as a backplane connects
// nodes: a message published on any of its brokers reaches every broker
// subscribed to the topic, in one order per topic. A single-node application
// needs no bus (NewMemoryBroker makes one of its own); tests use a bus to run
// several Hubs in one process.
type MemoryBus struct {
	// mu serializes delivery, so every broker sees one order per topic, and
	// makes Unsubscribe wait for a delivery in progress.
	mu      sync.Mutex
	brokers map[*MemoryBroker]struct{}
}

// NewMemoryBus makes an empty bus.
func NewMemoryBus() *MemoryBus {
	return &MemoryBus{brokers: map[*MemoryBroker]struct{}{}}
}

// NewBroker makes a broker on the bus: one per Hub (node).
func (b *MemoryBus) NewBroker() *MemoryBroker {
	m := &MemoryBroker{bus: b, topics: map[string]struct{}{}}
	b.mu.Lock()
	b.brokers[m] = struct{}{}
	b.mu.Unlock()
	return m
}

// MemoryBroker is the in-process Broker, the Hub's default: delivery is a
// function call in the publisher's goroutine (Publish returns once every local
// recipient has the message queued), it cannot lose its connection, and
// nothing crosses the process.
type MemoryBroker struct {
	bus *MemoryBus

	// Under bus.mu:
	h       Handler
	started bool
	closed  bool
	topics  map[string]struct{}
}

// NewMemoryBroker makes a broker on a bus of its own: a single node.
func NewMemoryBroker() *MemoryBroker { return NewMemoryBus().NewBroker() }

// Start implements Broker.
func (m *MemoryBroker) Start(h Handler) error {
	m.bus.mu.Lock()
	defer m.bus.mu.Unlock()
	switch {
	case m.closed:
		return fmt.Errorf("memory broker: start: %w", ErrClosed)
	case m.started:
		return fmt.Errorf("memory broker: already started")
	case h.Deliver == nil:
		return fmt.Errorf("memory broker: start: nil Deliver callback")
	}
	m.h, m.started = h, true
	return nil
}

// Subscribe implements Broker.
func (m *MemoryBroker) Subscribe(_ context.Context, topic string) error {
	m.bus.mu.Lock()
	defer m.bus.mu.Unlock()
	if m.closed {
		return fmt.Errorf("memory broker: subscribe %q: %w", topic, ErrClosed)
	}
	m.topics[topic] = struct{}{}
	return nil
}

// Unsubscribe implements Broker.
func (m *MemoryBroker) Unsubscribe(_ context.Context, topic string) error {
	m.bus.mu.Lock()
	defer m.bus.mu.Unlock()
	if m.closed {
		return fmt.Errorf("memory broker: unsubscribe %q: %w", topic, ErrClosed)
	}
	delete(m.topics, topic)
	return nil
}

// Publish delivers data to every subscribed broker of the bus before it
// returns. Receivers share data: the caller must not modify it afterwards.
func (m *MemoryBroker) Publish(_ context.Context, topic string, data []byte) error {
	m.bus.mu.Lock()
	defer m.bus.mu.Unlock()
	if m.closed {
		return fmt.Errorf("memory broker: publish %q: %w", topic, ErrClosed)
	}
	for b := range m.bus.brokers {
		if _, ok := b.topics[topic]; ok && b.started {
			b.h.Deliver(topic, data)
		}
	}
	return nil
}

// State implements Broker.
func (m *MemoryBroker) State() BrokerState {
	m.bus.mu.Lock()
	defer m.bus.mu.Unlock()
	return BrokerState{Kind: "memory", Connected: !m.closed, Topics: len(m.topics)}
}

// Close implements Broker: the broker leaves its bus.
func (m *MemoryBroker) Close() error {
	m.bus.mu.Lock()
	defer m.bus.mu.Unlock()
	if !m.closed {
		m.closed = true
		m.topics = map[string]struct{}{}
		delete(m.bus.brokers, m)
	}
	return nil
}
