package broadcast

import (
	"context"
	"errors"
)

// Broker is the backplane that carries published messages between the nodes
// (processes) of one application: every Hub publishes through its broker, and
// the broker hands every message on a topic the node subscribed to back to the
// hub, including the node's own messages, so that all nodes see one order per
// topic.
//
// Subscriptions are node-level: the Hub subscribes a topic when its first local
// member joins and unsubscribes shortly after the last one left, so a node
// receives only the topics it has members for.
//
// Implementations must be safe for concurrent use and keep this contract:
//
//   - Start is called once, before any other method, with the callbacks.
//   - Subscribe returns once the subscription is active at the backplane (a
//     message published anywhere after Subscribe returned is delivered), and is
//     idempotent: subscribing a topic twice gives one subscription.
//     Unsubscribe of a topic that is not subscribed is a no-op; after
//     Unsubscribe returns, nothing more is delivered for the topic.
//   - Deliver is called for every message of a subscribed topic; for one topic
//     the calls are sequential and in the order the backplane received the
//     messages (calls for different topics may run concurrently). The data
//     may be kept by the callee, which must not modify it.
//   - After the connection to the backplane was lost and is back, every
//     subscription is restored and then Resync is called: messages published
//     meanwhile are lost, and the application may want to resynchronise.
//   - Publish does not keep data after it returns, except a broker that
//     delivers in-process (MemoryBroker), whose receivers share it read-only.
//   - Close is idempotent; afterwards the other methods return an error
//     wrapping ErrClosed and the callbacks are no longer called.
type Broker interface {
	Start(h Handler) error
	Subscribe(ctx context.Context, topic string) error
	Unsubscribe(ctx context.Context, topic string) error
	Publish(ctx context.Context, topic string, data []byte) error
	State() BrokerState
	Close() error
}

// Handler holds the callbacks a Broker calls; the Hub provides them.
type Handler struct {
	// Deliver receives one message of a subscribed topic.
	Deliver func(topic string, data []byte)
	// Resync is called after a reconnection restored every subscription.
	Resync func()
}

// BrokerState describes a broker for status pages and monitoring.
type BrokerState struct {
	// Kind names the backplane: "memory", "redis", "nats".
	Kind string `json:"kind"`
	// Addr is where the backplane is, without credentials ("" in memory).
	Addr string `json:"addr"`
	// Connected tells whether the broker can publish and receive now.
	Connected bool `json:"connected"`
	// Topics is the number of node-level subscriptions.
	Topics int `json:"topics"`
	// Reconnects counts the connections to the backplane restored after a
	// loss (each followed by a resync notice).
	Reconnects uint64 `json:"reconnects"`
	// LastError is the last connection error seen, "" when none.
	LastError string `json:"last_error,omitempty"`
}

// ErrClosed is returned (wrapped) by a closed Hub or Broker.
var ErrClosed = errors.New("broadcast: closed")
