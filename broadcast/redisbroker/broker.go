package redisbroker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/wsplug/wsplug/broadcast"
)

// Options configure a Broker. The zero value uses classic pub/sub on
// channels named "wsplug:<topic>".
type Options struct {
	// Prefix is prepended to every topic to make its channel name, so that
	// several applications can share a Redis. Default "wsplug:".
	Prefix string
	// Sharded uses SPUBLISH and SSUBSCRIBE (Redis 7). Every node of an
	// application must use the same mode: the two kinds of channel do not
	// see each other. A Redis Cluster client is not supported in this mode
	// yet (it would need a subscriber connection per shard).
	Sharded bool
	// HealthInterval is how long the subscriber connection may be silent
	// before the broker pings it; after three silent intervals it is
	// replaced. Default 15 s.
	HealthInterval time.Duration
}

// Broker is a broadcast.Broker on Redis pub/sub. Make it with New or Dial.
type Broker struct {
	client redis.UniversalClient
	own    bool // made by Dial: closed with the broker
	opts   Options
	addr   string

	// dmu is held by the receiver while it checks and delivers a message,
	// so Unsubscribe and Close can wait until no delivery is in flight.
	dmu sync.Mutex

	// cmd (a one-slot semaphore) is held while a SUBSCRIBE or UNSUBSCRIBE
	// is sent, and while replace swaps the subscriber and subscribes its
	// channels: every command goes to the current subscriber, in the order
	// the wanted set of channels (topics) changed, so Redis ends up with
	// exactly that set.
	cmd chan struct{}

	mu      sync.Mutex
	h       broadcast.Handler
	started bool
	closed  bool
	ps      *redis.PubSub
	topics  map[string]*subscription // channel -> state: the channels wanted
	// unsubs counts, per channel, the UNSUBSCRIBE replies still to come on
	// the current connection: a subscribe reply that arrives before them
	// answers a SUBSCRIBE sent before the UNSUBSCRIBE, and confirms nothing.
	unsubs     map[string]int
	connected  bool
	lost       bool // the subscriber connection failed since the last reply
	reconnects uint64
	lastErr    string

	stop context.CancelFunc
	done chan struct{}
}

// subscription is a wanted channel: pending until Redis confirms it, then
// confirmed. Its outcome is told once, to every Subscribe call waiting for
// it: nil when Redis confirmed it, else why it was given up (undone by
// Unsubscribe, not confirmed in time, broker closed); a subscription given up
// is no longer in topics.
type subscription struct {
	topic string
	ready chan struct{} // closed when the outcome is known
	err   error         // the outcome, set before ready is closed
}

// settled reports whether the outcome is known: ready is closed.
func (s *subscription) settled() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}

// settle sets the outcome, once. Called with Broker.mu held.
func (s *subscription) settle(err error) {
	if !s.settled() {
		s.err = err
		close(s.ready)
	}
}

// errUnsubscribed is the outcome of a subscription that Unsubscribe removed
// before Redis confirmed it.
var errUnsubscribed = errors.New("unsubscribed before Redis confirmed the subscription")

// undoTimeout bounds the UNSUBSCRIBE that undoes a subscription given up.
const undoTimeout = 5 * time.Second

// New makes a broker on an existing client (standalone or failover; a
// cluster client only without Sharded). The caller keeps ownership of the
// client: Close does not close it.
func New(client redis.UniversalClient, opts Options) (*Broker, error) {
	if client == nil {
		return nil, errors.New("redisbroker: nil client")
	}
	if _, ok := client.(*redis.ClusterClient); ok && opts.Sharded {
		return nil, errors.New("redisbroker: sharded pub/sub on a Redis Cluster client is not supported")
	}
	if opts.Prefix == "" {
		opts.Prefix = "wsplug:"
	}
	if opts.HealthInterval <= 0 {
		opts.HealthInterval = 15 * time.Second
	}
	addr := ""
	switch c := client.(type) {
	case *redis.Client:
		addr = c.Options().Addr
	case *redis.ClusterClient:
		addr = fmt.Sprint(c.Options().Addrs)
	}
	return &Broker{
		client: client, opts: opts, addr: addr,
		cmd:    make(chan struct{}, 1),
		topics: map[string]*subscription{}, unsubs: map[string]int{},
	}, nil
}

// Dial connects to the Redis of a URL (redis://[user:password@]host:port[/db]
// or rediss:// for TLS) and makes a broker that owns the client.
func Dial(url string, opts Options) (*Broker, error) {
	ro, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisbroker: %w", err)
	}
	ro.DisableIdentity = true // CLIENT SETINFO is Redis 7.2+
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	b, err := New(redis.NewClient(ro), opts)
	if err != nil {
		return nil, err
	}
	b.own = true
	return b, nil
}

func (b *Broker) channel(topic string) string { return b.opts.Prefix + topic }

// Start implements broadcast.Broker: it opens the subscriber and starts its
// receiver goroutine.
func (b *Broker) Start(h broadcast.Handler) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return fmt.Errorf("redisbroker: start: %w", broadcast.ErrClosed)
	case b.started:
		return errors.New("redisbroker: already started")
	case h.Deliver == nil:
		return errors.New("redisbroker: start: nil Deliver callback")
	}
	b.h, b.started = h, true
	b.ps = b.newPubSub()
	ctx, cancel := context.WithCancel(context.Background())
	b.stop, b.done = cancel, make(chan struct{})
	b.connected = true
	go b.receive(ctx)
	return nil
}

// newPubSub opens a subscriber with no channels yet (it connects lazily).
func (b *Broker) newPubSub() *redis.PubSub {
	if b.opts.Sharded {
		return b.client.SSubscribe(context.Background())
	}
	return b.client.Subscribe(context.Background())
}

// Subscribe implements broadcast.Broker: it returns nil once Redis confirmed
// the subscription. Concurrent calls for one topic share the outcome: when
// the first call gives up (its context ends, or the command fails) the
// subscription is undone and every call waiting for it returns the error;
// an Unsubscribe or Close before the confirmation makes them fail too.
func (b *Broker) Subscribe(ctx context.Context, topic string) error {
	ch := b.channel(topic)
	b.mu.Lock()
	if err := b.usable("subscribe", topic); err != nil {
		b.mu.Unlock()
		return err
	}
	s := b.topics[ch]
	first := s == nil
	if first {
		s = &subscription{topic: topic, ready: make(chan struct{})}
		b.topics[ch] = s
	}
	b.mu.Unlock()

	if first {
		if err := b.command(ctx, ch, s); err != nil {
			b.undo(ch, s, err)
		}
	}
	select {
	case <-s.ready:
	case <-ctx.Done():
		if !first {
			// The first call still waits for the outcome, with its own context.
			return fmt.Errorf("redisbroker: subscribe %q: %w", topic, ctx.Err())
		}
		b.undo(ch, s, ctx.Err())
		<-s.ready // settled now: by undo, or by what came first
	}
	if s.err != nil {
		return fmt.Errorf("redisbroker: subscribe %q: %w", topic, s.err)
	}
	return nil
}

// undo gives up a pending subscription: its waiters get err, and the
// channel is unsubscribed at Redis (unless it was wanted again meanwhile).
// A subscription already confirmed or removed is left alone.
func (b *Broker) undo(ch string, s *subscription, err error) {
	b.mu.Lock()
	if b.topics[ch] != s || s.settled() {
		b.mu.Unlock()
		return
	}
	delete(b.topics, ch)
	s.settle(fmt.Errorf("not confirmed: %w", err))
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), undoTimeout)
	defer cancel()
	b.command(ctx, ch, nil)
}

// command sends SUBSCRIBE for ch when s is not nil, UNSUBSCRIBE when it is,
// on the current subscriber and in turn with every other command. A command
// that no longer matches the wanted state (s is not the channel's
// subscription any more; the channel is wanted again) is not sent: the call
// that changed the state sends its own.
func (b *Broker) command(ctx context.Context, ch string, s *subscription) error {
	select {
	case b.cmd <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.cmd }()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return broadcast.ErrClosed
	}
	if b.topics[ch] != s {
		b.mu.Unlock()
		return nil
	}
	if s == nil {
		b.unsubs[ch]++
	}
	ps := b.ps
	b.mu.Unlock()
	return b.send(ctx, ps, s != nil, ch)
}

// send writes SUBSCRIBE (or UNSUBSCRIBE) of chans on ps, in the broker's
// mode: the sharded commands with Sharded.
func (b *Broker) send(ctx context.Context, ps *redis.PubSub, subscribe bool, chans ...string) error {
	switch {
	case subscribe && b.opts.Sharded:
		return ps.SSubscribe(ctx, chans...)
	case subscribe:
		return ps.Subscribe(ctx, chans...)
	case b.opts.Sharded:
		return ps.SUnsubscribe(ctx, chans...)
	default:
		return ps.Unsubscribe(ctx, chans...)
	}
}

// Unsubscribe implements broadcast.Broker. Nothing is delivered for the topic
// after it returns, even if Redis still sends a message already in flight. A
// Subscribe of the topic still waiting for Redis's confirmation fails.
func (b *Broker) Unsubscribe(ctx context.Context, topic string) error {
	ch := b.channel(topic)
	b.mu.Lock()
	if err := b.usable("unsubscribe", topic); err != nil {
		b.mu.Unlock()
		return err
	}
	s := b.topics[ch]
	if s == nil {
		b.mu.Unlock()
		return nil
	}
	delete(b.topics, ch)
	s.settle(errUnsubscribed)
	b.mu.Unlock()
	b.dmu.Lock() // wait for a delivery of the topic in flight
	b.dmu.Unlock()
	if err := b.command(ctx, ch, nil); err != nil {
		return fmt.Errorf("redisbroker: unsubscribe %q: %w", topic, err)
	}
	return nil
}

// Publish implements broadcast.Broker.
func (b *Broker) Publish(ctx context.Context, topic string, data []byte) error {
	b.mu.Lock()
	err := b.usable("publish", topic)
	b.mu.Unlock()
	if err != nil {
		return err
	}
	ch := b.channel(topic)
	if b.opts.Sharded {
		err = b.client.SPublish(ctx, ch, data).Err()
	} else {
		err = b.client.Publish(ctx, ch, data).Err()
	}
	if err != nil {
		return fmt.Errorf("redisbroker: publish %q: %w", topic, err)
	}
	return nil
}

func (b *Broker) usable(op, topic string) error {
	if b.closed {
		return fmt.Errorf("redisbroker: %s %q: %w", op, topic, broadcast.ErrClosed)
	}
	if !b.started {
		return fmt.Errorf("redisbroker: %s %q: not started", op, topic)
	}
	return nil
}

// State implements broadcast.Broker.
func (b *Broker) State() broadcast.BrokerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	kind := "redis"
	if b.opts.Sharded {
		kind = "redis (sharded)"
	}
	return broadcast.BrokerState{
		Kind:       kind,
		Addr:       b.addr,
		Connected:  b.started && !b.closed && b.connected,
		Topics:     len(b.topics),
		Reconnects: b.reconnects,
		LastError:  b.lastErr,
	}
}

// Close implements broadcast.Broker: it stops the receiver and closes the
// subscriber connection (and the client, when Dial made it).
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	for _, s := range b.topics {
		s.settle(broadcast.ErrClosed)
	}
	b.topics = map[string]*subscription{}
	ps, stop, done := b.ps, b.stop, b.done
	b.mu.Unlock()
	var err error
	if ps != nil {
		stop()
		err = ps.Close()
		<-done
	}
	if b.own {
		if cerr := b.client.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// receive reads the subscriber connection until Close: messages are
// delivered, subscription confirmations wake Subscribe, and the first reply
// after a failure means go-redis reconnected and resubscribed everything
// (one command, so all of it): that is the resync notice. Pending
// subscriptions are confirmed by the replies to that command, like any.
func (b *Broker) receive(ctx context.Context) {
	defer close(b.done)
	backoff := 50 * time.Millisecond
	silent := 0
	for {
		b.mu.Lock()
		ps := b.ps
		b.mu.Unlock()
		msg, err := ps.ReceiveTimeout(ctx, b.opts.HealthInterval)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				silent++
				if silent >= 3 {
					b.replace(errors.New("no answer to pings"))
					silent = 0
					continue
				}
				ps.Ping(ctx) // the answer is a reply like any other
				continue
			}
			b.fail(err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		silent = 0
		backoff = 50 * time.Millisecond
		b.recovered()
		switch m := msg.(type) {
		case *redis.Message:
			b.deliver(m.Channel, m.Payload)
		case *redis.Subscription:
			switch m.Kind {
			case "subscribe", "ssubscribe":
				b.confirm(m.Channel)
			case "unsubscribe", "sunsubscribe":
				b.unsubscribed(m.Channel)
			}
		}
	}
}

func (b *Broker) deliver(ch, payload string) {
	b.dmu.Lock()
	defer b.dmu.Unlock()
	b.mu.Lock()
	s := b.topics[ch]
	ok := s != nil && !b.closed
	h := b.h
	b.mu.Unlock()
	if ok {
		h.Deliver(s.topic, []byte(payload))
	}
}

// confirm handles a subscribe reply. Redis answers the commands of one
// connection in order, so while an UNSUBSCRIBE of the channel is unanswered
// the reply belongs to a SUBSCRIBE sent before it, not to the pending one.
func (b *Broker) confirm(ch string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.unsubs[ch] > 0 {
		return
	}
	if s := b.topics[ch]; s != nil {
		s.settle(nil)
	}
}

// unsubscribed handles an unsubscribe reply.
func (b *Broker) unsubscribed(ch string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := b.unsubs[ch]; n > 1 {
		b.unsubs[ch] = n - 1
	} else {
		delete(b.unsubs, ch)
	}
}

// fail records a failure of the subscriber connection: the replies still
// expected on it will not come.
func (b *Broker) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.connected, b.lost, b.lastErr = false, true, err.Error()
	clear(b.unsubs)
}

// recovered turns the first reply after a failure into the resync notice.
func (b *Broker) recovered() {
	b.mu.Lock()
	if !b.lost {
		b.mu.Unlock()
		return
	}
	b.lost, b.connected = false, true
	b.reconnects++
	resync := b.h.Resync
	b.mu.Unlock()
	if resync != nil {
		resync()
	}
}

// replace swaps a subscriber connection that stopped answering for a new one
// with the same channels. It holds cmd throughout, so no SUBSCRIBE or
// UNSUBSCRIBE goes to the old subscriber or overtakes the new one's
// subscription of every wanted channel.
func (b *Broker) replace(why error) {
	b.cmd <- struct{}{}
	defer func() { <-b.cmd }()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	old := b.ps
	b.ps = b.newPubSub()
	chans := make([]string, 0, len(b.topics))
	for ch := range b.topics {
		chans = append(chans, ch)
	}
	ps := b.ps
	b.connected, b.lost, b.lastErr = false, true, why.Error()
	clear(b.unsubs)
	b.mu.Unlock()
	old.Close()
	if len(chans) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), b.opts.HealthInterval)
		defer cancel()
		b.send(ctx, ps, true, chans...)
	}
}
