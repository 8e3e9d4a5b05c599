package broadcast_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/wscore"
)

// smallBuffers makes the server's accepted sockets keep little unsent data,
// so a client that stops reading fills them after a few messages.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(8 << 10)
	}
	return c, err
}

func dialFeed(t testing.TB, url string, readBuffer int) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, NetDial: func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if tc, ok := c.(*net.TCPConn); ok && readBuffer > 0 {
			tc.SetReadBuffer(readBuffer)
		}
		return c, err
	}}
	c, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "joined" {
		t.Fatalf("first message %q, %v", msg, err)
	}
	return c
}

// message i of the slow-consumer test: its number, then padding.
func slowMessage(i int) []byte {
	b := fmt.Appendf(nil, "%d:", i)
	return append(b, bytes.Repeat([]byte{'x'}, 32<<10)...)
}

func indexOf(msg []byte) int {
	n, _, _ := bytes.Cut(msg, []byte(":"))
	i, err := strconv.Atoi(string(n))
	if err != nil {
		return -1
	}
	return i
}

// One client stops reading while messages keep coming: no Publish waits for
// it, the policy applies to it alone, the memory it can pin is bounded by
// its queue, and the clients that read get every message in order.
func TestSlowConsumer(t *testing.T) {
	for _, p := range []broadcast.Policy{broadcast.DropMessage, broadcast.ClosePolicyViolation, broadcast.CloseTryAgainLater} {
		t.Run(p.String(), func(t *testing.T) { testSlowConsumer(t, p) })
	}
}

func testSlowConsumer(t *testing.T, policy broadcast.Policy) {
	const (
		total     = 600 // 32 KiB each: about 19 MiB through the hub
		queueSize = 32
		fast      = 3
	)
	hub := broadcast.MustNewHub(broadcast.HubOptions{QueueSize: queueSize, Policy: policy, UnsubscribeDelay: -1})
	defer hub.Close()
	// A write to the stuck client would wait this long: far longer than the
	// test may take, so a publisher that waited for it would be noticed.
	url, _ := serveFeed(t, hub, wscore.Options{WriteTimeout: time.Minute}, func(l net.Listener) net.Listener { return smallBuffers{l} })

	slow := dialFeed(t, url, 0)
	var (
		wg       sync.WaitGroup
		received [fast]atomic.Int64
		failures = make(chan error, fast)
	)
	for k := range fast {
		c := dialFeed(t, url, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range total {
				c.SetReadDeadline(time.Now().Add(20 * time.Second))
				_, msg, err := c.ReadMessage()
				if err != nil {
					failures <- fmt.Errorf("fast client %d: message %d: %v", k, i, err)
					return
				}
				if got := indexOf(msg); got != i {
					failures <- fmt.Errorf("fast client %d: got message %d, want %d", k, got, i)
					return
				}
				received[k].Add(1)
			}
		}()
	}

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	var slowest time.Duration
	for i := range total {
		// Pace on the readers (they must not overflow their own queues):
		// the stuck client is not waited for.
		waitFor(t, "the fast clients", func() bool {
			for k := range fast {
				if received[k].Load() < int64(i-queueSize/2) {
					return false
				}
			}
			return true
		})
		start := time.Now()
		if err := hub.Publish(context.Background(), feedTopic, slowMessage(i), false); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
		slowest = max(slowest, time.Since(start))
	}
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Error(err)
	}
	if slowest > 5*time.Second {
		t.Errorf("a Publish took %v: it waited for the stuck client", slowest)
	}

	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	// Unbounded, the stuck client's queue would pin all 19 MiB; bounded, at
	// most queueSize messages (1 MiB) and what the sockets hold.
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 8<<20 {
		t.Errorf("the heap grew by %d MiB while one client was stuck", grown>>20)
	}

	st := hub.Stats()
	t.Logf("policy %v: %+v (slowest Publish %v)", policy, st, slowest)
	if st.Enqueued < fast*total {
		t.Errorf("Enqueued %d < %d", st.Enqueued, fast*total)
	}
	switch policy {
	case broadcast.DropMessage:
		if st.Dropped == 0 || st.SlowClosed != 0 {
			t.Fatalf("drop policy: Dropped %d, SlowClosed %d", st.Dropped, st.SlowClosed)
		}
		// The stuck client reads again: it gets what its queue held, in
		// order, with gaps where the hub dropped; and it is still a member:
		// once it has caught up it gets a message published then.
		kept := total - int(st.Dropped)
		last := -1
		for n := range kept {
			slow.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, msg, err := slow.ReadMessage()
			if err != nil {
				t.Fatalf("slow client after %d of %d messages: %v", n, kept, err)
			}
			i := indexOf(msg)
			if i <= last {
				t.Fatalf("slow client: message %d after %d", i, last)
			}
			last = i
		}
		if err := hub.Publish(context.Background(), feedTopic, []byte("last:"), false); err != nil {
			t.Fatal(err)
		}
		slow.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, msg, err := slow.ReadMessage(); err != nil || string(msg) != "last:" {
			t.Fatalf("slow client after catching up: %.20q, %v", msg, err)
		}
	default:
		want := websocket.ClosePolicyViolation
		if policy == broadcast.CloseTryAgainLater {
			want = websocket.CloseTryAgainLater
		}
		if st.SlowClosed != 1 {
			t.Fatalf("close policy: SlowClosed %d, want 1", st.SlowClosed)
		}
		// Reading again, the client gets what was on the wire, then the
		// close frame with the policy's code.
		for n := 0; ; n++ {
			slow.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, _, err := slow.ReadMessage()
			if err == nil {
				continue
			}
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != want {
				t.Fatalf("slow client after %d messages: %v, want close %d", n, err, want)
			}
			break
		}
		waitFor(t, "the slow client to leave", func() bool { return hub.Members(feedTopic) == fast })
	}
}
