package broadcast_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/wscore"
)

// gatedBroker is a MemoryBroker whose Subscribe waits for the test: it
// reports each call on entered and goes on when release is closed, like a
// backplane slow to confirm a subscription.
type gatedBroker struct {
	*broadcast.MemoryBroker
	entered chan string
	release chan struct{}
}

func newGatedBroker(bus *broadcast.MemoryBus) *gatedBroker {
	return &gatedBroker{MemoryBroker: bus.NewBroker(), entered: make(chan string, 16), release: make(chan struct{})}
}

func (b *gatedBroker) Subscribe(ctx context.Context, topic string) error {
	b.entered <- topic
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.MemoryBroker.Subscribe(ctx, topic)
}

func waitEntered(t *testing.T, b *gatedBroker) {
	t.Helper()
	select {
	case <-b.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the Hub did not subscribe")
	}
}

// A connection whose Join waits for the broker's subscription is not a member
// yet: a caller that waits for Members (as examples/chat's test does) and then
// publishes on another node must not lose the message. Once Members counts it,
// everything published anywhere reaches it.
func TestHubMemberOnlyOnceSubscribed(t *testing.T) {
	bus := broadcast.NewMemoryBus()
	b := newGatedBroker(bus)
	hub := broadcast.MustNewHub(broadcast.HubOptions{Broker: b, UnsubscribeDelay: -1})
	defer hub.Close()
	other := broadcast.MustNewHub(broadcast.HubOptions{Broker: bus.NewBroker()}) // another node
	defer other.Close()
	url, _ := serveFeed(t, hub, wscore.Options{}, nil)

	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitEntered(t, b) // OnOpen's Join is waiting for the subscription
	time.Sleep(20 * time.Millisecond)
	if n := hub.Members(feedTopic); n != 0 {
		t.Fatalf("Members = %d while the subscription is not confirmed, want 0", n)
	}
	close(b.release)
	waitFor(t, "the member to count", func() bool { return hub.Members(feedTopic) == 1 })
	// Published on the other node right after the member counted: it arrives.
	if err := other.Publish(context.Background(), feedTopic, []byte("hello"), false); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, want := range []string{"joined", "hello"} {
		if _, msg, err := c.ReadMessage(); err != nil || string(msg) != want {
			t.Fatalf("got %q, %v; want %q", msg, err, want)
		}
	}
}

// A connection that ends while its Join waits for the broker does not join:
// Join fails, nothing counts it, and the topic, left with no one, is
// unsubscribed and forgotten.
func TestHubJoinOfAnEndedConnection(t *testing.T) {
	bus := broadcast.NewMemoryBus()
	b := newGatedBroker(bus)
	hub := broadcast.MustNewHub(broadcast.HubOptions{Broker: b, UnsubscribeDelay: -1})
	defer hub.Close()
	joined := make(chan error, 1)
	srv := wscore.MustNewServer(hub.Protocol(func() wscore.ServerProtocol {
		return &joinReport{hub: hub, joined: joined}
	}), wscore.Options{})
	url := serveServer(t, srv)
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitEntered(t, b)
	c.Close()
	waitFor(t, "the connection to end", func() bool { return srv.Stats().Open == 0 })
	close(b.release)
	select {
	case err := <-joined:
		if !errors.Is(err, wscore.ErrClosed) {
			t.Errorf("Join of a connection that ended while subscribing: %v, want wscore.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Join did not return")
	}
	waitFor(t, "the topic to be forgotten", func() bool { return len(hub.Topics()) == 0 && b.State().Topics == 0 })
	if st := hub.Stats(); st.Members != 0 {
		t.Errorf("stats after the connection ended: %+v", st)
	}
}

// joinReport joins the feed from a goroutine of its own, as an application
// that looks something up first would, and reports Join's result; the
// connection goes on reading meanwhile, so it can end while Join waits.
type joinReport struct {
	wscore.BaseServerProtocol
	hub    *broadcast.Hub
	joined chan error
}

func (p *joinReport) OnOpen(c *wscore.Conn) {
	go func() { p.joined <- p.hub.Join(c, feedTopic) }()
}

// slowBroker takes a little time for every Subscribe and Unsubscribe, so
// joins, leaves and expiries overlap.
type slowBroker struct {
	*broadcast.MemoryBroker
}

func (b slowBroker) Subscribe(ctx context.Context, topic string) error {
	time.Sleep(time.Millisecond)
	return b.MemoryBroker.Subscribe(ctx, topic)
}

func (b slowBroker) Unsubscribe(ctx context.Context, topic string) error {
	time.Sleep(time.Millisecond)
	return b.MemoryBroker.Unsubscribe(ctx, topic)
}

// Joins and leaves of many connections racing the broker's calls and the
// expiries: whenever Join returned nil the connection gets a message published
// right after, and at the end no topic and no subscription is left.
func TestHubJoinLeaveChurn(t *testing.T) {
	bus := broadcast.NewMemoryBus()
	broker := slowBroker{bus.NewBroker()}
	hub := broadcast.MustNewHub(broadcast.HubOptions{Broker: broker, UnsubscribeDelay: time.Millisecond})
	defer hub.Close()
	other := broadcast.MustNewHub(broadcast.HubOptions{Broker: bus.NewBroker()})
	defer other.Close()
	srv := wscore.MustNewServer(hub.Protocol(func() wscore.ServerProtocol {
		return &churner{hub: hub, other: other}
	}), wscore.Options{})
	url := serveServer(t, srv)

	const clients, rounds = 8, 15
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := websocket.DefaultDialer.Dial(url, nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			for r := range rounds {
				topic := fmt.Sprintf("t%d", (i+r)%3)
				id := fmt.Sprintf("%d-%d", i, r)
				if err := c.WriteMessage(websocket.TextMessage, []byte(topic+" "+id)); err != nil {
					t.Error(err)
					return
				}
				// The churner joins, has the other node publish, leaves and
				// acknowledges; the probe comes through the Hub's queue and
				// the ack directly, so they may arrive in either order.
				// Probes of other clients in the same topic are ignored.
				probe, ack := false, false
				for !probe || !ack {
					_, msg, err := c.ReadMessage()
					if err != nil {
						t.Errorf("client %d round %d: %v (probe %v, ack %v)", i, r, err, probe, ack)
						return
					}
					switch string(msg) {
					case "probe " + id:
						probe = true
					case "ack " + id:
						ack = true
					default:
						if !strings.HasPrefix(string(msg), "probe ") {
							t.Errorf("client %d round %d: %q", i, r, msg)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	waitFor(t, "every topic to be unsubscribed", func() bool {
		return len(hub.Topics()) == 0 && broker.State().Topics == 0
	})
}

// churner joins the topic a client names, has another node publish a probe
// on it, leaves and acknowledges.
type churner struct {
	wscore.BaseServerProtocol
	hub, other *broadcast.Hub
}

func (p *churner) OnMessage(c *wscore.Conn, payload []byte, isBinary bool) {
	topic, id, _ := strings.Cut(string(payload), " ")
	if err := p.hub.Join(c, topic); err != nil {
		c.SendMessage([]byte("join: "+err.Error()), false)
		return
	}
	p.other.Publish(context.Background(), topic, []byte("probe "+id), false) // queued for c before Publish returns
	p.hub.Leave(c, topic)
	c.SendMessage([]byte("ack "+id), false)
}
