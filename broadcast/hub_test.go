package broadcast_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/wscore"
)

// countingBroker is a MemoryBroker that records the Hub's calls and can send
// it a resync notice.
type countingBroker struct {
	*broadcast.MemoryBroker
	mu        sync.Mutex
	calls     []string
	h         broadcast.Handler
	failTopic string
}

func (b *countingBroker) Start(h broadcast.Handler) error {
	b.h = h
	return b.MemoryBroker.Start(h)
}

func (b *countingBroker) Subscribe(ctx context.Context, topic string) error {
	b.record("sub " + topic)
	if topic == b.failTopic {
		return errors.New("refused")
	}
	return b.MemoryBroker.Subscribe(ctx, topic)
}

func (b *countingBroker) Unsubscribe(ctx context.Context, topic string) error {
	b.record("unsub " + topic)
	return b.MemoryBroker.Unsubscribe(ctx, topic)
}

func (b *countingBroker) record(s string) {
	b.mu.Lock()
	b.calls = append(b.calls, s)
	b.mu.Unlock()
}

func (b *countingBroker) log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.calls, ", ")
}

func TestHubOptionErrors(t *testing.T) {
	for name, o := range map[string]broadcast.HubOptions{
		"negative queue":  {QueueSize: -1},
		"unknown policy":  {Policy: 7},
		"long node ID":    {NodeID: strings.Repeat("n", 256)},
		"negative delay":  {UnsubscribeDelay: -2},
		"negative broker": {BrokerTimeout: -1},
	} {
		if _, err := broadcast.NewHub(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The node subscribes a topic at its first member and unsubscribes after
// the delay once the last one left, unless a member came back meanwhile.
func TestHubSubscriptionFollowsMembers(t *testing.T) {
	b := &countingBroker{MemoryBroker: broadcast.NewMemoryBroker(), failTopic: "refused"}
	hub := broadcast.MustNewHub(broadcast.HubOptions{Broker: b, UnsubscribeDelay: 100 * time.Millisecond})
	defer hub.Close()
	url, _ := serveFeed(t, hub, wscore.Options{}, nil)

	c1 := dialFeed(t, url, 0)
	c2 := dialFeed(t, url, 0)
	if got := b.log(); got != "sub feed" {
		t.Fatalf("two members joined: broker calls %q, want one subscription", got)
	}
	c1.Close()
	c2.Close()
	waitFor(t, "the members to leave", func() bool { return hub.Members(feedTopic) == 0 })
	c3 := dialFeed(t, url, 0) // back within the delay: no new round trip
	if got := b.log(); got != "sub feed" {
		t.Fatalf("rejoined within the delay: broker calls %q", got)
	}
	c3.Close()
	waitFor(t, "the unsubscription", func() bool { return b.log() == "sub feed, unsub feed" })
	waitFor(t, "the topic to be forgotten", func() bool { return len(hub.Topics()) == 0 })
	if st := b.State(); st.Topics != 0 {
		t.Errorf("broker still has %d topics", st.Topics)
	}

	// A refused subscription is Join's error, and the connection is not in.
	var joinErr error
	done := make(chan struct{})
	srv := wscore.MustNewServer(hub.Protocol(func() wscore.ServerProtocol {
		return &joinTopic{hub: hub, topic: "refused", err: &joinErr, done: done}
	}), wscore.Options{})
	c, _, err := websocket.DefaultDialer.Dial(serveServer(t, srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-done
	if joinErr == nil || hub.Members("refused") != 0 || slices.Contains(hub.Topics(), "refused") {
		t.Errorf("refused subscription: Join %v, members %d, topics %q", joinErr, hub.Members("refused"), hub.Topics())
	}
}

type joinTopic struct {
	wscore.BaseServerProtocol
	hub   *broadcast.Hub
	topic string
	err   *error
	done  chan struct{}
}

func (p *joinTopic) OnOpen(c *wscore.Conn) {
	*p.err = p.hub.Join(c, p.topic)
	close(p.done)
}

// Without Protocol, a connection that joined still leaves when it ends.
func TestHubForgetsUnwrappedConnections(t *testing.T) {
	hub := broadcast.MustNewHub(broadcast.HubOptions{UnsubscribeDelay: -1})
	defer hub.Close()
	joined := make(chan error, 1)
	srv := wscore.MustNewServer(func() wscore.ServerProtocol {
		return &plainJoin{hub: hub, joined: joined}
	}, wscore.Options{})
	url := serveServer(t, srv)
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-joined; err != nil {
		t.Fatal(err)
	}
	if hub.Members("plain") != 1 {
		t.Fatal("not a member")
	}
	c.Close()
	waitFor(t, "the member to be forgotten", func() bool { return hub.Members("plain") == 0 && hub.Stats().Members == 0 })
}

type plainJoin struct {
	wscore.BaseServerProtocol
	hub    *broadcast.Hub
	joined chan error
}

func (p *plainJoin) OnOpen(c *wscore.Conn) {
	err := p.hub.Join(c, "plain")
	if err == nil {
		err = p.hub.Join(c, "plain") // twice is once
	}
	p.joined <- err
}

func TestHubPublishErrors(t *testing.T) {
	hub := broadcast.MustNewHub(broadcast.HubOptions{})
	ctx := context.Background()
	if err := hub.Publish(ctx, "", []byte("x"), false); !errors.Is(err, broadcast.ErrBadTopic) {
		t.Errorf("empty topic: %v", err)
	}
	if err := hub.Publish(ctx, strings.Repeat("t", broadcast.MaxTopicLength+1), nil, true); !errors.Is(err, broadcast.ErrBadTopic) {
		t.Errorf("long topic: %v", err)
	}
	if err := hub.Publish(ctx, "t", []byte{0xff}, false); !errors.Is(err, broadcast.ErrInvalidUTF8) {
		t.Errorf("bad UTF-8 text: %v", err)
	}
	if err := hub.Publish(ctx, "t", []byte{0xff}, true); err != nil {
		t.Errorf("binary: %v", err)
	}
	hub.Close()
	hub.Close()
	if err := hub.Publish(ctx, "t", nil, true); !errors.Is(err, broadcast.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// Malformed messages on the backplane are counted and dropped; the resync
// notice reaches OnResync with the node's topics.
func TestHubDecodeErrorsAndResync(t *testing.T) {
	bus := broadcast.NewMemoryBus()
	b := &countingBroker{MemoryBroker: bus.NewBroker()}
	resynced := make(chan []string, 1)
	hub := broadcast.MustNewHub(broadcast.HubOptions{Broker: b, OnResync: func(topics []string) { resynced <- topics }})
	defer hub.Close()
	url, _ := serveFeed(t, hub, wscore.Options{}, nil)
	c := dialFeed(t, url, 0)

	foreign := bus.NewBroker()
	foreign.Start(broadcast.Handler{Deliver: func(string, []byte) {}})
	defer foreign.Close()
	foreign.Publish(context.Background(), feedTopic, []byte(`{"not":"an envelope"}`))
	if st := hub.Stats(); st.DecodeErrors != 1 || st.Enqueued != 0 {
		t.Errorf("after a foreign message: %+v", st)
	}
	hub.Publish(context.Background(), feedTopic, []byte("real"), false)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "real" {
		t.Fatalf("got %q, %v", msg, err)
	}

	b.h.Resync()
	if got := <-resynced; len(got) != 1 || got[0] != feedTopic {
		t.Errorf("OnResync got %q", got)
	}
	if st := hub.Stats(); st.Resyncs != 1 {
		t.Errorf("Resyncs = %d", st.Resyncs)
	}
}

// A foreign publisher on the backplane can send a "text" envelope that is not
// UTF-8: it is dropped and counted, never sent to clients (which would fail
// the connection with 1007); binary and valid messages still pass.
func TestHubDropsInvalidTextFromBroker(t *testing.T) {
	bus := broadcast.NewMemoryBus()
	hub := broadcast.MustNewHub(broadcast.HubOptions{Broker: bus.NewBroker()})
	defer hub.Close()
	url, _ := serveFeed(t, hub, wscore.Options{}, nil)
	c := dialFeed(t, url, 0)

	foreign := bus.NewBroker()
	if err := foreign.Start(broadcast.Handler{Deliver: func(string, []byte) {}}); err != nil {
		t.Fatal(err)
	}
	defer foreign.Close()
	send := func(e broadcast.Envelope) {
		t.Helper()
		data, err := broadcast.AppendEnvelope(nil, e)
		if err != nil {
			t.Fatal(err)
		}
		if err := foreign.Publish(context.Background(), feedTopic, data); err != nil {
			t.Fatal(err)
		}
	}
	send(broadcast.Envelope{Origin: "foreign", Payload: []byte("bad \xff text")})
	send(broadcast.Envelope{Origin: "foreign", Payload: []byte("\xed\xa0\x80")}) // a surrogate
	if st := hub.Stats(); st.DecodeErrors != 2 || st.Enqueued != 0 || st.Received != 0 {
		t.Errorf("after two invalid text messages: %+v", st)
	}
	send(broadcast.Envelope{Origin: "foreign", Binary: true, Payload: []byte{0xff}})
	if err := hub.Publish(context.Background(), feedTopic, []byte("real"), false); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if typ, msg, err := c.ReadMessage(); err != nil || typ != websocket.BinaryMessage || string(msg) != "\xff" {
		t.Fatalf("first message: type %d %q, %v; want the binary one", typ, msg, err)
	}
	if typ, msg, err := c.ReadMessage(); err != nil || typ != websocket.TextMessage || string(msg) != "real" {
		t.Fatalf("second message: type %d %q, %v; want \"real\"", typ, msg, err)
	}
	if st := hub.Stats(); st.DecodeErrors != 2 || st.Received != 2 {
		t.Errorf("stats: %+v", st)
	}
}
