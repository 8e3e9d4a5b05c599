package brokertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/broadcast"
)

// Harness describes a Broker implementation to the suite.
type Harness struct {
	// NewBroker makes a broker, not started, connected to the backplane that
	// every broker of this harness shares (one broker is one node). The suite
	// closes it.
	NewBroker func(t testing.TB) broadcast.Broker
	// Fault breaks every broker's connection to the backplane (Redis: CLIENT
	// KILL; NATS: restart the server on the same port) and returns once the
	// backplane accepts connections again. nil skips the recovery test.
	Fault func(t testing.TB)
	// Timeout bounds each wait for a delivery. Default 10 s.
	Timeout time.Duration
}

// Topics that every backplane must carry as they are, without crosstalk:
// characters that are special in Redis patterns and NATS subjects, spaces,
// escapes and non-ASCII.
var awkwardTopics = []string{
	"plain", "a.b", "a.c", "a.*", "a.>", "*", ">", ".", "..", "with space",
	"tab\there", "%41", "~x", "$SYS", "ünïcödé 聊天", "room:42", "a/b", "[x]",
	strings.Repeat("L", broadcast.MaxTopicLength),
}

// Run checks the Broker contract: delivery across nodes (and back to the
// publisher), nothing after Unsubscribe, the order of 1,000 messages from one
// publisher, idempotent Subscribe/Unsubscribe/Close, topics with special
// characters, binary payloads, recovery after a backplane fault (the
// subscriptions come back and Resync fires), and concurrent use.
func Run(t *testing.T, h Harness) {
	if h.Timeout == 0 {
		h.Timeout = 10 * time.Second
	}
	t.Run("CrossNode", func(t *testing.T) { testCrossNode(t, h) })
	t.Run("NoDeliveryAfterUnsubscribe", func(t *testing.T) { testUnsubscribe(t, h) })
	t.Run("Order1000", func(t *testing.T) { testOrder(t, h) })
	t.Run("Idempotent", func(t *testing.T) { testIdempotent(t, h) })
	t.Run("Topics", func(t *testing.T) { testTopics(t, h) })
	t.Run("BinaryPayload", func(t *testing.T) { testBinary(t, h) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, h) })
	t.Run("Recovery", func(t *testing.T) {
		if h.Fault == nil {
			t.Skip("this backplane cannot fail (no Fault in the harness)")
		}
		testRecovery(t, h)
	})
}

// node is a started broker with its recorder.
type node struct {
	b   broadcast.Broker
	rec *Recorder
}

func startNode(t testing.TB, h Harness) node {
	t.Helper()
	b := h.NewBroker(t)
	rec := NewRecorder()
	if err := b.Start(rec.Handler()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return node{b: b, rec: rec}
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func mustSubscribe(t testing.TB, n node, topic string) {
	t.Helper()
	if err := n.b.Subscribe(ctxT(t, 10*time.Second), topic); err != nil {
		t.Fatalf("Subscribe(%q): %v", topic, err)
	}
}

func mustPublish(t testing.TB, n node, topic string, data []byte) {
	t.Helper()
	if err := n.b.Publish(ctxT(t, 10*time.Second), topic, data); err != nil {
		t.Fatalf("Publish(%q): %v", topic, err)
	}
}

// settle gives a stray delivery time to arrive before checking it did not.
const settle = 200 * time.Millisecond

func testCrossNode(t *testing.T, h Harness) {
	a, b, c := startNode(t, h), startNode(t, h), startNode(t, h)
	mustSubscribe(t, a, "room")
	mustSubscribe(t, b, "room")
	mustPublish(t, a, "room", []byte("from a"))
	mustPublish(t, c, "room", []byte("from c"))
	for name, n := range map[string]node{"a (the publisher)": a, "b": b} {
		got := n.rec.WaitMessages(t, "room", 2, h.Timeout)
		if !hasAll(got, "from a", "from c") {
			t.Errorf("node %s got %q, want both messages", name, got)
		}
	}
	time.Sleep(settle)
	if got := c.rec.Messages("room"); len(got) != 0 {
		t.Errorf("node c did not subscribe but got %q", got)
	}
	for name, n := range map[string]node{"a": a, "b": b} {
		if got := n.rec.Messages("room"); len(got) != 2 {
			t.Errorf("node %s got %d messages, want exactly 2: %q", name, len(got), got)
		}
	}
	if st := a.b.State(); !st.Connected || st.Topics != 1 || st.Kind == "" {
		t.Errorf("State of a node with one topic: %+v", st)
	}
}

func hasAll(got [][]byte, want ...string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			if string(g) == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func testUnsubscribe(t *testing.T, h Harness) {
	a, b := startNode(t, h), startNode(t, h)
	mustSubscribe(t, b, "gone")
	mustSubscribe(t, b, "kept")
	mustPublish(t, a, "gone", []byte("before"))
	b.rec.WaitMessages(t, "gone", 1, h.Timeout)
	if err := b.b.Unsubscribe(ctxT(t, 10*time.Second), "gone"); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	for i := range 5 {
		mustPublish(t, a, "gone", []byte("after "+strconv.Itoa(i)))
	}
	mustPublish(t, a, "kept", []byte("sentinel"))
	b.rec.WaitMessages(t, "kept", 1, h.Timeout)
	time.Sleep(settle)
	if got := b.rec.Messages("gone"); len(got) != 1 {
		t.Errorf("after Unsubscribe the node still got messages: %q", got)
	}
	if st := b.b.State(); st.Topics != 1 {
		t.Errorf("State().Topics = %d after unsubscribing one of two", st.Topics)
	}
}

func testOrder(t *testing.T, h Harness) {
	const n = 1000
	a, b := startNode(t, h), startNode(t, h)
	mustSubscribe(t, b, "ordered")
	mustSubscribe(t, a, "ordered")
	for i := range n {
		mustPublish(t, a, "ordered", []byte(strconv.Itoa(i)))
	}
	for name, nd := range map[string]node{"receiver": b, "publisher": a} {
		got := nd.rec.WaitMessages(t, "ordered", n, h.Timeout+10*time.Second)
		for i, m := range got {
			if string(m) != strconv.Itoa(i) {
				t.Fatalf("%s: message %d is %q, want %d (order lost)", name, i, m, i)
			}
		}
	}
}

func testIdempotent(t *testing.T, h Harness) {
	a, b := startNode(t, h), startNode(t, h)
	mustSubscribe(t, b, "twice")
	mustSubscribe(t, b, "twice")
	if st := b.b.State(); st.Topics != 1 {
		t.Errorf("two Subscribe calls for one topic: State().Topics = %d, want 1", st.Topics)
	}
	if err := b.b.Unsubscribe(ctxT(t, 10*time.Second), "never-subscribed"); err != nil {
		t.Errorf("Unsubscribe of a topic never subscribed: %v", err)
	}
	mustPublish(t, a, "twice", []byte("once"))
	b.rec.WaitMessages(t, "twice", 1, h.Timeout)
	time.Sleep(settle)
	if got := b.rec.Messages("twice"); len(got) != 1 {
		t.Errorf("subscribed twice, got %d copies: %q", len(got), got)
	}
	for range 2 {
		if err := b.b.Unsubscribe(ctxT(t, 10*time.Second), "twice"); err != nil {
			t.Errorf("Unsubscribe: %v", err)
		}
	}
	// Subscribing again after an unsubscription works.
	mustSubscribe(t, b, "twice")
	mustPublish(t, a, "twice", []byte("again"))
	b.rec.WaitMessages(t, "twice", 2, h.Timeout)

	for i := range 2 {
		if err := b.b.Close(); err != nil {
			t.Errorf("Close #%d: %v", i+1, err)
		}
	}
	ctx := ctxT(t, 10*time.Second)
	for name, err := range map[string]error{
		"Publish":     b.b.Publish(ctx, "twice", []byte("x")),
		"Subscribe":   b.b.Subscribe(ctx, "other"),
		"Unsubscribe": b.b.Unsubscribe(ctx, "twice"),
	} {
		if !errors.Is(err, broadcast.ErrClosed) {
			t.Errorf("%s after Close: %v, want an error wrapping ErrClosed", name, err)
		}
	}
	if st := b.b.State(); st.Connected {
		t.Errorf("State after Close says connected: %+v", st)
	}
	mustPublish(t, a, "twice", []byte("after close"))
	time.Sleep(settle)
	if got := b.rec.Messages("twice"); len(got) != 2 {
		t.Errorf("a closed broker still delivered: %q", got)
	}
}

func testTopics(t *testing.T, h Harness) {
	a, b := startNode(t, h), startNode(t, h)
	for _, topic := range awkwardTopics {
		mustSubscribe(t, b, topic)
	}
	for _, topic := range awkwardTopics {
		mustPublish(t, a, topic, []byte("to "+topic))
	}
	for _, topic := range awkwardTopics {
		b.rec.WaitMessages(t, topic, 1, h.Timeout)
	}
	time.Sleep(settle)
	for _, topic := range awkwardTopics {
		got := b.rec.Messages(topic)
		if len(got) != 1 || string(got[0]) != "to "+topic {
			t.Errorf("topic %q got %q, want exactly its own message (crosstalk or wildcard match?)", topic, got)
		}
	}
}

func testBinary(t *testing.T, h Harness) {
	a, b := startNode(t, h), startNode(t, h)
	mustSubscribe(t, b, "bin")
	payload := make([]byte, 0, 3*256)
	for i := range 3 * 256 {
		payload = append(payload, byte(i))
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10/16) // 64 KiB
	mustPublish(t, a, "bin", payload)
	mustPublish(t, a, "bin", big)
	mustPublish(t, a, "bin", []byte{})
	got := b.rec.WaitMessages(t, "bin", 3, h.Timeout)
	if !bytes.Equal(got[0], payload) || !bytes.Equal(got[1], big) || len(got[2]) != 0 {
		t.Errorf("binary payloads changed in transit (lengths %d, %d, %d)", len(got[0]), len(got[1]), len(got[2]))
	}
}

func testConcurrent(t *testing.T, h Harness) {
	a, b := startNode(t, h), startNode(t, h)
	mustSubscribe(t, b, "stable")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			topic := fmt.Sprintf("churn-%d", g)
			for i := range 20 {
				if err := b.b.Subscribe(ctx, topic); err != nil {
					t.Errorf("Subscribe: %v", err)
					return
				}
				if err := a.b.Publish(ctx, "stable", []byte(fmt.Sprintf("%d-%d", g, i))); err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
				if err := b.b.Unsubscribe(ctx, topic); err != nil {
					t.Errorf("Unsubscribe: %v", err)
					return
				}
				_ = b.b.State()
			}
		}()
	}
	wg.Wait()
	b.rec.WaitMessages(t, "stable", 80, h.Timeout)
	if st := b.b.State(); st.Topics != 1 {
		t.Errorf("after the churn State().Topics = %d, want 1", st.Topics)
	}
}

// RunRecovery runs only the recovery check of Run, for a harness whose Fault
// is another kind of outage.
func RunRecovery(t *testing.T, h Harness) {
	if h.Timeout == 0 {
		h.Timeout = 10 * time.Second
	}
	testRecovery(t, h)
}

func testRecovery(t *testing.T, h Harness) {
	a, b := startNode(t, h), startNode(t, h)
	mustSubscribe(t, a, "survives")
	mustSubscribe(t, b, "survives")
	mustSubscribe(t, b, "also")
	mustPublish(t, a, "survives", []byte("before"))
	// Both must have it before the fault: one still in flight to the other
	// when the connections drop is lost (at most once), and the count after
	// the recovery would be short.
	b.rec.WaitMessages(t, "survives", 1, h.Timeout)
	a.rec.WaitMessages(t, "survives", 1, h.Timeout)

	h.Fault(t)

	for name, n := range map[string]node{"a": a, "b": b} {
		if !n.rec.WaitFor(h.Timeout+20*time.Second, func(_ map[string][][]byte, r int) bool { return r >= 1 }) {
			t.Fatalf("node %s: no resync notice after the fault (state %+v)", name, n.b.State())
		}
	}
	// The subscriptions are back: a message published now arrives.
	mustPublish(t, a, "survives", []byte("after"))
	mustPublish(t, a, "also", []byte("after"))
	got := b.rec.WaitMessages(t, "survives", 2, h.Timeout)
	if string(got[len(got)-1]) != "after" {
		t.Errorf("after recovery got %q", got)
	}
	b.rec.WaitMessages(t, "also", 1, h.Timeout)
	a.rec.WaitMessages(t, "survives", 2, h.Timeout)
	st := b.b.State()
	if !st.Connected || st.Reconnects < 1 || st.Topics != 2 {
		t.Errorf("State after recovery: %+v, want connected, reconnects >= 1, 2 topics", st)
	}
}
