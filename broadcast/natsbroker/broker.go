package natsbroker

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/wsplug/wsplug/broadcast"
)

// Options configure a Broker. The zero value uses subjects "wsplug.<topic>".
type Options struct {
	// Prefix is the first token(s) of every subject, so several applications
	// can share a NATS server. Default "wsplug". It must be a valid subject
	// without wildcards.
	Prefix string
	// ReconnectWait is the pause between reconnection attempts (Dial only).
	// Default 250 ms.
	ReconnectWait time.Duration
	// FlushTimeout bounds a Subscribe's round trip without a deadline of its
	// own, and each attempt to confirm the subscriptions after a reconnection
	// (retried until it succeeds or the connection is lost again). Default 5 s.
	FlushTimeout time.Duration
}

// Broker is a broadcast.Broker on NATS core pub/sub. Make it with New or Dial.
type Broker struct {
	nc   *nats.Conn
	own  bool
	opts Options

	// dmu is held (read) while a message is delivered, so Unsubscribe and
	// Close can wait until no delivery of a removed topic is in flight.
	dmu sync.RWMutex

	mu         sync.Mutex
	h          broadcast.Handler
	started    bool
	closed     bool
	subs       map[string]*subscription // topic -> subscription
	reconnects uint64
	lastErr    string
	// flush is the round trip that confirms the subscriptions after a
	// reconnection (nc.FlushTimeout; tests make it fail).
	flush func(time.Duration) error

	quit chan struct{} // closed by Close: stops retrying a confirmation
}

// Pending limits of every subscription: messages the client has received
// for a topic and the Hub has not taken yet. Beyond them NATS drops (a slow
// consumer), so a stuck node cannot grow without bound. They are set here
// rather than left to the client's defaults (nats.go v1.55.0: 500,000
// messages, 64 MiB), which change between versions: a node 65,536 messages
// behind on one topic is better off losing messages than catching up.
const (
	pendingMsgsLimit  = 65536
	pendingBytesLimit = 64 << 20
)

// Bounds of the pause between attempts to confirm the subscriptions after a
// reconnection.
const (
	confirmRetryMin = 50 * time.Millisecond
	confirmRetryMax = time.Second
)

// New makes a broker on an existing connection, which the caller keeps
// owning (Close does not close it). The connection must not use NoEcho (a
// node receives its own messages) and should reconnect forever. The broker
// chains its reconnect and disconnect handlers before the connection's own.
func New(nc *nats.Conn, opts Options) (*Broker, error) {
	if nc == nil {
		return nil, errors.New("natsbroker: nil connection")
	}
	if nc.Opts.NoEcho {
		return nil, errors.New("natsbroker: the connection uses NoEcho, so a node would not receive its own messages")
	}
	if opts.Prefix == "" {
		opts.Prefix = "wsplug"
	}
	if strings.ContainsAny(opts.Prefix, "*> \t\r\n") || strings.HasPrefix(opts.Prefix, ".") || strings.HasSuffix(opts.Prefix, ".") || strings.Contains(opts.Prefix, "..") {
		return nil, fmt.Errorf("natsbroker: prefix %q is not a subject without wildcards", opts.Prefix)
	}
	if opts.FlushTimeout <= 0 {
		opts.FlushTimeout = 5 * time.Second
	}
	b := &Broker{nc: nc, opts: opts, subs: map[string]*subscription{}, flush: nc.FlushTimeout, quit: make(chan struct{})}
	prevReconnect, prevDisconnect := nc.Opts.ReconnectedCB, nc.Opts.DisconnectedErrCB
	nc.SetReconnectHandler(func(c *nats.Conn) {
		b.reconnected()
		if prevReconnect != nil {
			prevReconnect(c)
		}
	})
	nc.SetDisconnectErrHandler(func(c *nats.Conn, err error) {
		b.disconnected(err)
		if prevDisconnect != nil {
			prevDisconnect(c, err)
		}
	})
	return b, nil
}

// Dial connects to NATS (a nats:// URL, or several separated by commas) with
// endless reconnection, and makes a broker that owns the connection. More
// nats.Options may be given (credentials, TLS).
func Dial(servers string, opts Options, more ...nats.Option) (*Broker, error) {
	wait := opts.ReconnectWait
	if wait <= 0 {
		wait = 250 * time.Millisecond
	}
	nopts := append([]nats.Option{
		nats.Name("wsplug broadcast"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(wait),
		nats.ReconnectJitter(wait/5, wait/5),
	}, more...)
	nc, err := nats.Connect(servers, nopts...)
	if err != nil {
		return nil, fmt.Errorf("natsbroker: connecting to %s: %w", redact(servers), err)
	}
	b, err := New(nc, opts)
	if err != nil {
		nc.Close()
		return nil, err
	}
	b.own = true
	return b, nil
}

// Start implements broadcast.Broker.
func (b *Broker) Start(h broadcast.Handler) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return fmt.Errorf("natsbroker: start: %w", broadcast.ErrClosed)
	case b.started:
		return errors.New("natsbroker: already started")
	case h.Deliver == nil:
		return errors.New("natsbroker: start: nil Deliver callback")
	}
	b.h, b.started = h, true
	return nil
}

func (b *Broker) usable(op, topic string) error {
	if b.closed {
		return fmt.Errorf("natsbroker: %s %q: %w", op, topic, broadcast.ErrClosed)
	}
	if !b.started {
		return fmt.Errorf("natsbroker: %s %q: not started", op, topic)
	}
	return nil
}

// Subscribe implements broadcast.Broker: it returns once the server has the
// subscription (a flush round trip).
func (b *Broker) Subscribe(ctx context.Context, topic string) error {
	b.mu.Lock()
	if err := b.usable("subscribe", topic); err != nil {
		b.mu.Unlock()
		return err
	}
	if s := b.subs[topic]; s != nil {
		b.mu.Unlock()
		select { // another call is confirming it
		case <-s.ready:
			if s.err != nil {
				return fmt.Errorf("natsbroker: subscribe %q: %w", topic, s.err)
			}
			return nil
		case <-ctx.Done():
			return fmt.Errorf("natsbroker: subscribe %q: %w", topic, ctx.Err())
		}
	}
	s := &subscription{ready: make(chan struct{})}
	var err error
	s.sub, err = b.nc.Subscribe(Subject(b.opts.Prefix, topic), func(m *nats.Msg) { b.deliver(topic, s, m.Data) })
	if err != nil {
		b.mu.Unlock()
		return fmt.Errorf("natsbroker: subscribe %q: %w", topic, err)
	}
	if err := s.sub.SetPendingLimits(pendingMsgsLimit, pendingBytesLimit); err != nil {
		s.sub.Unsubscribe()
		b.mu.Unlock()
		return fmt.Errorf("natsbroker: subscribe %q: %w", topic, err)
	}
	b.subs[topic] = s
	b.mu.Unlock()

	if _, ok := ctx.Deadline(); !ok { // the client insists on one
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.opts.FlushTimeout)
		defer cancel()
	}
	err = b.nc.FlushWithContext(ctx)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		if b.subs[topic] == s {
			delete(b.subs, topic)
			s.sub.Unsubscribe()
		}
		s.err = err
		close(s.ready)
		return fmt.Errorf("natsbroker: subscribe %q: %w", topic, err)
	}
	close(s.ready)
	return nil
}

type subscription struct {
	sub   *nats.Subscription
	ready chan struct{} // closed once the server confirmed the subscription (or err is set)
	err   error
}

func (b *Broker) deliver(topic string, sub *subscription, data []byte) {
	b.dmu.RLock()
	defer b.dmu.RUnlock()
	b.mu.Lock()
	ok := !b.closed && b.subs[topic] == sub
	h := b.h
	b.mu.Unlock()
	if ok {
		h.Deliver(topic, data)
	}
}

// Unsubscribe implements broadcast.Broker.
func (b *Broker) Unsubscribe(ctx context.Context, topic string) error {
	b.mu.Lock()
	if err := b.usable("unsubscribe", topic); err != nil {
		b.mu.Unlock()
		return err
	}
	sub := b.subs[topic]
	delete(b.subs, topic)
	b.mu.Unlock()
	if sub == nil {
		return nil
	}
	b.dmu.Lock() // wait for a delivery in flight
	b.dmu.Unlock()
	if err := sub.sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		return fmt.Errorf("natsbroker: unsubscribe %q: %w", topic, err)
	}
	return nil
}

// Publish implements broadcast.Broker. The message is buffered by the
// client while it reconnects, and lost if the buffer is full.
func (b *Broker) Publish(ctx context.Context, topic string, data []byte) error {
	b.mu.Lock()
	err := b.usable("publish", topic)
	b.mu.Unlock()
	if err != nil {
		return err
	}
	if err := b.nc.Publish(Subject(b.opts.Prefix, topic), data); err != nil {
		return fmt.Errorf("natsbroker: publish %q: %w", topic, err)
	}
	return nil
}

// State implements broadcast.Broker.
func (b *Broker) State() broadcast.BrokerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return broadcast.BrokerState{
		Kind:       "nats",
		Addr:       redact(b.nc.ConnectedUrlRedacted()),
		Connected:  b.started && !b.closed && b.nc.IsConnected(),
		Topics:     len(b.subs),
		Reconnects: b.reconnects,
		LastError:  b.lastErr,
	}
}

// Close implements broadcast.Broker: it removes the subscriptions (and
// closes the connection, when Dial made it).
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.quit)
	subs := b.subs
	b.subs = map[string]*subscription{}
	b.mu.Unlock()
	b.dmu.Lock()
	b.dmu.Unlock()
	for _, s := range subs {
		s.sub.Unsubscribe()
	}
	if b.own {
		b.nc.Close()
	}
	return nil
}

func (b *Broker) disconnected(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		b.lastErr = err.Error()
	}
}

// reconnected runs on the client's callback goroutine after it reconnected
// and sent its subscriptions again: a flush makes sure the server has them
// before the resync notice. A flush that fails (a timeout on a slow server,
// say) is tried again while the connection is up, so the notice and the
// Reconnects count are not lost; if the connection is lost again instead,
// the next reconnection confirms and notifies.
func (b *Broker) reconnected() {
	wait := confirmRetryMin
	for {
		b.mu.Lock()
		if b.closed || !b.started {
			b.mu.Unlock()
			return
		}
		flush := b.flush
		b.mu.Unlock()
		err := flush(b.opts.FlushTimeout)
		if err == nil {
			break
		}
		b.mu.Lock()
		b.lastErr = "confirming the subscriptions after a reconnection: " + err.Error()
		b.mu.Unlock()
		if !b.nc.IsConnected() {
			return
		}
		select {
		case <-b.quit:
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, confirmRetryMax)
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.reconnects++
	resync := b.h.Resync
	b.mu.Unlock()
	if resync != nil {
		resync()
	}
}

// redact removes credentials from server URLs.
func redact(servers string) string {
	parts := strings.Split(servers, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			u.User = nil
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}
