//go:build linux

package wscore

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// waitPolled waits until every connection is parked in the poller.
func waitPolled(t *testing.T, conns ...*Conn) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, c := range conns {
		for !c.polled.Load() {
			if time.Now().After(deadline) {
				t.Fatal("an idle connection was not parked in the poller")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// Idle connections wait in the poller without a goroutine each, wake when
// their peer sends, go back after a burst, and end normally.
func TestParkedConnectionsHoldNoGoroutine(t *testing.T) {
	const n = 64
	opened := make(chan *Conn, n)
	s, err := NewServer(func() ServerProtocol { return &echoAndNotify{opened: opened} }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, s, nil)
	base := runtime.NumGoroutine()
	clients := make([]*wstest.RawClient, n)
	conns := make([]*Conn, n)
	for i := range clients {
		clients[i] = dialRaw(t, ts)
		conns[i] = <-opened
	}
	waitPolled(t, conns...)
	// A parked connection has no goroutine: n of them cost (about) none.
	if g := runtime.NumGoroutine(); g > base+n/4 {
		t.Fatalf("%d goroutines for %d parked connections (%d before)", g, n, base)
	}
	if p := poller.parkedCount(); p < n {
		t.Fatalf("poller holds %d connections, want at least %d", p, n)
	}

	// Each wakes for a message and answers it, twice (after a long park it
	// parks again as soon as its input is handled).
	for round := range 2 {
		for i, c := range clients {
			msg := fmt.Sprintf("round %d conn %d", round, i)
			c.WriteFrame(wstest.Text(msg))
			if _, got, _, err := c.ReadMessage(2 * time.Second); err != nil || string(got) != msg {
				t.Fatalf("%s: %q %v", msg, got, err)
			}
		}
		time.Sleep(2 * idleHopAfter)
		waitPolled(t, conns...)
	}

	for _, c := range clients {
		c.WriteFrame(wstest.CloseFrame(1000, "bye"))
		if _, err := c.WaitClosed(2 * time.Second); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	for _, c := range conns {
		select {
		case <-c.Done():
		case <-time.After(3 * time.Second):
			t.Fatal("a connection did not end")
		}
	}
}

// Whatever ends a parked connection gives it a reader again, so the end is
// seen and OnClose runs: the application's Close, Shutdown's closing
// handshake (answered, or cut at CloseHandshakeTimeout), a missing pong, and
// the peer going away.
func TestParkedConnectionsEnd(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     Options
		end      func(t *testing.T, s *Server, c *Conn, client *wstest.RawClient)
		wantCode int
		clean    bool
	}{
		{"application Close", Options{}, func(_ *testing.T, _ *Server, c *Conn, _ *wstest.RawClient) { c.Close() }, CloseAbnormal, false},
		{"Shutdown, answered", Options{}, func(t *testing.T, s *Server, _ *Conn, client *wstest.RawClient) {
			go s.Shutdown(t.Context())
			f, err := client.ReadFrame(2 * time.Second)
			if err != nil || f.Op != wstest.OpClose {
				t.Errorf("want the server's close frame: %+v %v", f, err)
			}
			client.WriteFrame(wstest.CloseFrame(1001, ""))
		}, CloseGoingAway, true},
		{"Shutdown, never answered", Options{CloseHandshakeTimeout: 300 * time.Millisecond}, func(t *testing.T, s *Server, _ *Conn, _ *wstest.RawClient) {
			go s.Shutdown(t.Context())
		}, CloseAbnormal, false},
		{"auto-ping timeout", Options{AutoPingInterval: 400 * time.Millisecond, AutoPingTimeout: 300 * time.Millisecond}, func(*testing.T, *Server, *Conn, *wstest.RawClient) {
			// The raw client never answers pings.
		}, CloseAbnormal, false},
		{"peer goes away", Options{}, func(_ *testing.T, _ *Server, _ *Conn, client *wstest.RawClient) { client.Close() }, CloseAbnormal, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opened := make(chan *Conn, 1)
			closed := make(chan closeInfo, 1)
			s, err := NewServer(func() ServerProtocol { return &notifyBoth{opened: opened, closed: closed} }, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			ts := serve(t, s, nil)
			client := dialRaw(t, ts)
			defer client.Close()
			c := <-opened
			waitPolled(t, c)
			tc.end(t, s, c, client)
			select {
			case ci := <-closed:
				if ci.code != tc.wantCode || ci.wasClean != tc.clean {
					t.Fatalf("OnClose %+v, want code %d clean %v", ci, tc.wantCode, tc.clean)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("OnClose did not run for a parked connection")
			}
		})
	}
}

type notifyBoth struct {
	BaseServerProtocol
	opened chan *Conn
	closed chan closeInfo
}

func (p *notifyBoth) OnOpen(c *Conn) { p.opened <- c }
func (p *notifyBoth) OnClose(c *Conn, wasClean bool, code int, reason string) {
	p.closed <- closeInfo{wasClean: wasClean, code: code, reason: reason}
}

// Many connections waking and parking at once, some closed from other
// goroutines meanwhile: every message is answered, every connection ends once.
func TestParkingUnderChurn(t *testing.T) {
	const n = 40
	var mu sync.Mutex
	ends := map[*Conn]int{}
	// Each client goroutine closes its own server connection, found by its
	// client's address (the connection's Peer), not whichever opened next.
	var byPeer sync.Map // peer address -> chan *Conn
	connFor := func(peer string) chan *Conn {
		ch, _ := byPeer.LoadOrStore(peer, make(chan *Conn, 1))
		return ch.(chan *Conn)
	}
	s, err := NewServer(func() ServerProtocol {
		return &churnProtocol{
			onOpen:  func(c *Conn) { connFor(c.Peer()) <- c },
			onClose: func(c *Conn) { mu.Lock(); ends[c]++; mu.Unlock() },
		}
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, s, nil)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Not dialRaw: its t.Fatal may only run on the test's goroutine.
			c, resp, err := wstest.Dial(ts.Addr, wstest.Handshake{})
			if err != nil {
				t.Errorf("client %d: dial: %v", i, err)
				return
			}
			defer c.Close()
			if resp.StatusCode != http.StatusSwitchingProtocols {
				t.Errorf("client %d: handshake status %d", i, resp.StatusCode)
				return
			}
			var conn *Conn
			select {
			case conn = <-connFor(c.Conn.LocalAddr().String()):
			case <-time.After(5 * time.Second):
				t.Errorf("client %d: no OnOpen for %s", i, c.Conn.LocalAddr())
				return
			}
			for j := range 20 {
				msg := fmt.Sprintf("%d/%d", i, j)
				c.WriteFrame(wstest.Text(msg))
				if _, got, _, err := c.ReadMessage(3 * time.Second); err != nil || string(got) != msg {
					t.Errorf("%s: %q %v", msg, got, err)
					return
				}
				// Pauses around idleHopAfter, so some park between messages.
				time.Sleep(time.Duration(j%4) * idleHopAfter / 2)
			}
			if i%3 == 0 {
				conn.Close()
			}
		}()
	}
	wg.Wait()
	waitOpenConns(t, s, 0, 5*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(ends) != n {
		t.Fatalf("%d connections ended, want %d", len(ends), n)
	}
	for _, k := range ends {
		if k != 1 {
			t.Fatalf("OnClose ran %d times for a connection", k)
		}
	}
}

type churnProtocol struct {
	BaseServerProtocol
	onOpen  func(*Conn)
	onClose func(*Conn)
}

func (p *churnProtocol) OnOpen(c *Conn) { p.onOpen(c) }
func (p *churnProtocol) OnMessage(c *Conn, payload []byte, isBinary bool) {
	c.QueueMessage(payload, isBinary)
}
func (p *churnProtocol) OnClose(c *Conn, _ bool, _ int, _ string) { p.onClose(c) }

// After OnOpen the request is kept packed; Request and RequestHeader give it
// back whole, the same value on every call.
func TestRequestKeptPacked(t *testing.T) {
	opened := make(chan *Conn, 1)
	var seen *ConnectionRequest
	s, err := NewServer(func() ServerProtocol {
		return &requestKeeper{opened: opened, seen: &seen}
	}, Options{Subprotocols: []string{"b"}, PerMessageCompressionAccept: DefaultDeflateAccept})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, s, nil)
	h := http.Header{}
	h.Add("X-Many", "one")
	h.Add("X-Many", "two")
	h.Set("Cookie", "a=1; b=2")
	h.Set("Sec-WebSocket-Protocol", "a, b")
	h.Set("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")
	raw, resp, err := wstest.Dial(ts.Addr, wstest.Handshake{Path: "/room?x=1&x=2&y=%20z", Header: h})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var c *Conn
	select {
	case c = <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("no OnOpen")
	}
	// The request is packed after OnOpen returned, before the connection
	// parks: once it is parked, packing has happened.
	waitPolled(t, c)
	if c.req.full.Load() != nil {
		t.Fatal("the request was not packed after OnOpen")
	}
	got := c.Request()
	if got != c.Request() {
		t.Error("Request returned two different values")
	}
	want := seen
	if got.Peer != want.Peer || got.Host != want.Host || got.Path != "/room" || got.Origin != want.Origin ||
		got.Version != 13 || got.Secure != want.Secure {
		t.Errorf("request fields: %+v, want %+v", got, want)
	}
	if q := got.Query; strings.Join(q["x"], ",") != "1,2" || q.Get("y") != " z" {
		t.Errorf("query %v", q)
	}
	if strings.Join(got.Protocols, ",") != "a,b" || len(got.Extensions) != 1 || got.Extensions[0].Name != "permessage-deflate" {
		t.Errorf("protocols %v extensions %+v", got.Protocols, got.Extensions)
	}
	for k, vs := range want.Header {
		if strings.Join(got.Header[k], "\n") != strings.Join(vs, "\n") {
			t.Errorf("header %s: %q, want %q", k, got.Header[k], vs)
		}
	}
	if len(got.Header) != len(want.Header) {
		t.Errorf("%d headers, want %d", len(got.Header), len(want.Header))
	}
	if c.RequestHeader().Get("Cookie") != "a=1; b=2" || c.Peer() != want.Peer {
		t.Error("RequestHeader or Peer differ")
	}
	raw.WriteFrame(wstest.CloseFrame(1000, ""))
	raw.WaitClosed(2 * time.Second)
}

type requestKeeper struct {
	BaseServerProtocol
	opened chan *Conn
	seen   **ConnectionRequest
}

func (p *requestKeeper) OnConnect(r *ConnectionRequest) (Accept, error) {
	cp := *r
	*p.seen = &cp
	return Accept{}, nil
}
func (p *requestKeeper) OnOpen(c *Conn) { p.opened <- c }

// Done made after the end is already closed.
func TestDoneAfterTheEnd(t *testing.T) {
	c := newConn(&loopConn{}, benchConfig(), &BaseServerProtocol{}, false)
	c.finish(errors.New("gone"))
	select {
	case <-c.Done():
	default:
		t.Fatal("Done after the end is not closed")
	}
}
