package broadcast

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"
)

// Policy says what a Hub does when a member's send queue is full: the
// connection is not reading fast enough, and the publisher must not wait.
type Policy int

const (
	// DropMessage drops the message that does not fit, for that member only,
	// and counts it (Stats.Dropped). The member stays; it misses messages.
	DropMessage Policy = iota
	// ClosePolicyViolation closes the slow member with 1008 (policy
	// violation), after the message being written to it.
	ClosePolicyViolation
	// CloseTryAgainLater closes the slow member with 1013 (try again later),
	// which tells a client to reconnect after a while.
	CloseTryAgainLater
)

func (p Policy) String() string {
	switch p {
	case DropMessage:
		return "drop"
	case ClosePolicyViolation:
		return "close 1008"
	case CloseTryAgainLater:
		return "close 1013"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// Defaults of the HubOptions whose zero value means "the default".
const (
	DefaultQueueSize        = 256
	DefaultUnsubscribeDelay = 2 * time.Second
	DefaultBrokerTimeout    = 5 * time.Second
	// MaxTopicLength bounds a topic name, in bytes, so its form in every
	// backplane (escaped for NATS subjects) stays within their limits.
	MaxTopicLength = 256
)

// HubOptions configure a Hub. The zero value is a single node with the
// in-memory broker and the defaults below.
type HubOptions struct {
	// Broker carries messages between nodes. Default: NewMemoryBroker(), a
	// single node. The Hub starts it and closes it in Close.
	Broker Broker
	// NodeID names this node in envelopes (at most 255 bytes). Default: a
	// random ID.
	NodeID string
	// QueueSize is how many messages may wait for one connection before
	// Policy applies. Default DefaultQueueSize. The queue grows on demand and
	// is released when empty; queued messages are shared between connections.
	QueueSize int
	// Policy is what happens to a connection whose queue is full. Default
	// DropMessage.
	Policy Policy
	// UnsubscribeDelay is how long a topic stays subscribed at the broker
	// after its last local member left, so a member that leaves and rejoins
	// (a page reload) costs no round trips. Default DefaultUnsubscribeDelay;
	// -1: unsubscribe at once.
	UnsubscribeDelay time.Duration
	// BrokerTimeout bounds each Subscribe and Unsubscribe call the Hub makes.
	// Default DefaultBrokerTimeout.
	BrokerTimeout time.Duration
	// OnResync is called after the broker reconnected, with the node's topics:
	// messages published during the outage were lost, and the application may
	// want to send its clients a fresh state. It runs on the broker's goroutine;
	// start long work on a goroutine of its own.
	OnResync func(topics []string)
	// Logger receives the Hub's logs. Default: slog.Default().
	Logger *slog.Logger
}

// resolved returns the options with defaults filled in, or an error for a
// bad value.
func (o HubOptions) resolved() (HubOptions, error) {
	switch {
	case o.QueueSize < 0:
		return o, fmt.Errorf("broadcast: QueueSize %d is negative", o.QueueSize)
	case o.Policy < DropMessage || o.Policy > CloseTryAgainLater:
		return o, fmt.Errorf("broadcast: unknown Policy %d", int(o.Policy))
	case len(o.NodeID) > maxOriginLen:
		return o, fmt.Errorf("broadcast: NodeID is %d bytes, at most %d", len(o.NodeID), maxOriginLen)
	case o.UnsubscribeDelay < -1:
		return o, fmt.Errorf("broadcast: UnsubscribeDelay %v is negative (use -1 for none)", o.UnsubscribeDelay)
	case o.BrokerTimeout < 0:
		return o, fmt.Errorf("broadcast: BrokerTimeout %v is negative", o.BrokerTimeout)
	}
	if o.QueueSize == 0 {
		o.QueueSize = DefaultQueueSize
	}
	switch o.UnsubscribeDelay {
	case 0:
		o.UnsubscribeDelay = DefaultUnsubscribeDelay
	case -1:
		o.UnsubscribeDelay = 0
	}
	if o.BrokerTimeout == 0 {
		o.BrokerTimeout = DefaultBrokerTimeout
	}
	if o.NodeID == "" {
		var b [6]byte
		rand.Read(b[:])
		o.NodeID = "node-" + hex.EncodeToString(b[:])
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Broker == nil {
		o.Broker = NewMemoryBroker()
	}
	return o, nil
}

// checkTopic rejects a topic no backplane can carry.
func checkTopic(topic string) error {
	if topic == "" {
		return fmt.Errorf("%w: empty", ErrBadTopic)
	}
	if len(topic) > MaxTopicLength {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrBadTopic, len(topic), MaxTopicLength)
	}
	return nil
}
