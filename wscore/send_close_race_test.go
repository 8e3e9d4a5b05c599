package wscore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// raceProtocol hands out its connection and counts OnClose.
type raceProtocol struct {
	BaseServerProtocol
	opened chan *Conn
	closes *atomic.Int64
	last   chan closeInfo
}

func (p *raceProtocol) OnOpen(c *Conn) { p.opened <- c }
func (p *raceProtocol) OnClose(c *Conn, wasClean bool, code int, reason string) {
	p.closes.Add(1)
	p.last <- closeInfo{wasClean: wasClean, code: code, reason: reason}
}

// waitDone waits for c to end: once Done is closed, OnClose has returned.
func waitDone(t *testing.T, c *Conn) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the connection did not end within 10s")
	}
}

// countingClient reads everything the server sends until its close frame,
// answers that close with the same code and checks that nothing follows it.
type countingClient struct {
	c         *wstest.RawClient
	got       map[string]int // payload -> position of arrival
	order     []string
	closeCode int
	err       error
	trailing  []byte
	reached   chan struct{} // closed once `after` messages arrived
	after     int
	silent    bool // never answer the close: read on until the server drops TCP
}

func (cc *countingClient) run() {
	cc.got = map[string]int{}
	for {
		f, err := cc.c.ReadFrame(10 * time.Second)
		if err != nil {
			cc.err = fmt.Errorf("reading after %d messages: %w", len(cc.order), err)
			return
		}
		switch f.Op {
		case wstest.OpText, wstest.OpBinary:
			if !f.Fin {
				cc.err = errors.New("fragmented message: the senders do not fragment")
				return
			}
			key := string(f.Payload)
			if i := strings.IndexByte(key, '|'); i >= 0 {
				key = key[:i] // large payloads carry padding after '|'
			}
			if _, dup := cc.got[key]; dup {
				cc.err = fmt.Errorf("message %s arrived twice", key)
				return
			}
			cc.got[key] = len(cc.order)
			cc.order = append(cc.order, key)
			if len(cc.order) == cc.after {
				close(cc.reached)
			}
		case wstest.OpClose:
			cc.closeCode, _ = wstest.CloseCode(f.Payload)
			if !cc.silent {
				cc.c.WriteFrame(wstest.CloseFrame(cc.closeCode, ""))
			}
			cc.trailing, cc.err = cc.c.WaitClosed(5 * time.Second)
			cc.c.Close() // as a client does once the server has closed
			return
		default:
			cc.err = fmt.Errorf("unexpected opcode %d", f.Op)
			return
		}
	}
}

// raceConn is a connection of a raceProtocol server, with the raw client at
// its other end.
type raceConn struct {
	c      *Conn
	raw    *wstest.RawClient
	closes *atomic.Int64
	last   chan closeInfo
}

// startRace serves the race protocol, dials it with a raw client and waits
// for the connection to open.
func startRace(t *testing.T) *raceConn {
	t.Helper()
	r := &raceConn{closes: &atomic.Int64{}, last: make(chan closeInfo, 4)}
	opened := make(chan *Conn, 1)
	s, err := NewServer(func() ServerProtocol { return &raceProtocol{opened: opened, closes: r.closes, last: r.last} }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, s, nil)
	r.raw = dialRaw(t, ts)
	select {
	case r.c = <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("no OnOpen")
	}
	return r
}

// ended waits for the connection to end and returns what OnClose reported,
// which must have run once.
func (r *raceConn) ended(t *testing.T) closeInfo {
	t.Helper()
	waitDone(t, r.c) // OnClose has returned
	ci := waitClose(t, r.last)
	if n := r.closes.Load(); n != 1 {
		t.Errorf("OnClose ran %d times", n)
	}
	return ci
}

// shutdownWithin is a closeFn for sendUntilClosed: Server.Shutdown with a
// context that ends after d.
func shutdownWithin(d time.Duration) func(c *Conn) error {
	return func(c *Conn) error {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return c.server.Shutdown(ctx)
	}
}

// sendUntilClosed runs senders×perSender sends (SendMessage, or QueueMessage
// with queue) on a connection from many goroutines, and calls closeFn once
// the client has received `after` of them; closeFn must return wantErr (nil:
// none). A silent client never answers the close. Then it judges every send
// against what the client received.
func sendUntilClosed(t *testing.T, queue, silent bool, closeFn func(c *Conn) error, wantErr error) {
	const senders, perSender, after = 8, 300, 200
	r := startRace(t)
	c, raw := r.c, r.raw
	cc := &countingClient{c: raw, after: after, reached: make(chan struct{}), silent: silent}
	readerDone := make(chan struct{})
	go func() { defer close(readerDone); cc.run() }()

	results := make([][]error, senders)
	var wg sync.WaitGroup
	for g := 0; g < senders; g++ {
		results[g] = make([]error, perSender)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perSender; i++ {
				p := []byte(fmt.Sprintf("%d:%d", g, i))
				if i%10 == 3 { // beyond WriteBufferSize: the large-write path
					p = append(append(p, '|'), bytes.Repeat([]byte{'x'}, 3*DefaultWriteBufferSize)...)
				}
				if queue {
					results[g][i] = c.QueueMessage(p, false)
				} else {
					results[g][i] = c.SendMessage(p, false)
				}
			}
		}()
	}
	var closeErr error
	select {
	case <-cc.reached:
		closeErr = closeFn(c)
	case <-readerDone:
		t.Fatalf("the client stopped before %d messages: %v", after, cc.err)
	case <-time.After(10 * time.Second):
		t.Fatalf("the client got fewer than %d messages in 10s", after)
	}
	wg.Wait()
	<-readerDone
	if !errors.Is(closeErr, wantErr) || (wantErr == nil && closeErr != nil) {
		t.Fatalf("close: %v, want %v", closeErr, wantErr)
	}
	if cc.err != nil {
		t.Fatalf("client: %v", cc.err)
	}
	if len(cc.trailing) != 0 {
		t.Errorf("%d bytes followed the server's close frame", len(cc.trailing))
	}

	var ok, failed int
	for g := range results {
		prev := -1
		for i, err := range results[g] {
			key := fmt.Sprintf("%d:%d", g, i)
			pos, received := cc.got[key]
			switch {
			case err == nil && !received:
				t.Errorf("message %s: send returned nil but it never arrived", key)
			case err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrWriteTimeout):
				t.Errorf("message %s: %v, want an error wrapping ErrClosed or ErrWriteTimeout", key, err)
			case err != nil && received:
				t.Errorf("message %s arrived, but its send returned %v", key, err)
			}
			if err == nil {
				ok++
			} else {
				failed++
			}
			if received {
				if pos < prev {
					t.Errorf("goroutine %d: message %d arrived before an earlier one", g, i)
				}
				prev = pos
			}
		}
	}
	// Every received message was matched to a send that succeeded above: any
	// other message the client got was never sent.
	if ok != len(cc.got) || ok < after {
		t.Errorf("%d sends succeeded (%d failed), the client received %d messages, want as many and at least %d", ok, failed, len(cc.got), after)
	}
	t.Logf("%d sends written before the close frame, %d refused after it", ok, failed)

	ci := r.ended(t)
	switch {
	case silent && (ci.wasClean || ci.code != CloseAbnormal):
		t.Errorf("OnClose %+v, want 1006 (the client never answered)", ci)
	case !silent && (!ci.wasClean || ci.code != cc.closeCode):
		t.Errorf("OnClose %+v, want clean with the client's %d", ci, cc.closeCode)
	}
}

// Many goroutines send while the connection is closed: every send that
// returned nil reached the client before the close frame, every other
// returned ErrClosed, and OnClose ran once.
func TestSendsDuringClose(t *testing.T) {
	sendClose := func(c *Conn) error { return c.SendClose(CloseNormal, "") }
	for _, tc := range []struct {
		name    string
		queue   bool // QueueMessage (returns once queued), not SendMessage
		silent  bool // the client never answers the close
		closeFn func(c *Conn) error
		wantErr error // what closeFn returns
	}{
		// SendClose starts the closing handshake. On a clean close every
		// queued message still goes out before the close frame.
		{"SendMessage/SendClose", false, false, sendClose, nil},
		{"QueueMessage/SendClose", true, false, sendClose, nil},
		// Server.Shutdown closes the connection with 1001.
		{"SendMessage/Shutdown", false, false, shutdownWithin(5 * time.Second), nil},
		{"QueueMessage/Shutdown", true, false, shutdownWithin(5 * time.Second), nil},
		// Shutdown whose context ends before the client answers its 1001: the
		// connection is dropped, Shutdown returns the context's error, and
		// still no send that returned nil is lost, none that failed arrived.
		{"SendMessage/Shutdown deadline", false, true, shutdownWithin(300 * time.Millisecond), context.DeadlineExceeded},
		{"QueueMessage/Shutdown deadline", true, true, shutdownWithin(300 * time.Millisecond), context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) { sendUntilClosed(t, tc.queue, tc.silent, tc.closeFn, tc.wantErr) })
	}
}

// Messages queued from OnMessage right before SendClose (the reader holds
// the flush while more input is buffered) go out first, in order.
func TestQueueMessageBeforeSendCloseInOrder(t *testing.T) {
	t.Parallel()
	const n = 50
	ts, closed := startActing(t, Options{}, func(c *Conn, p []byte) {
		if string(p) != "go" {
			return
		}
		for i := 0; i < n; i++ {
			if err := c.QueueMessage([]byte(fmt.Sprint(i)), false); err != nil {
				panic(err)
			}
		}
		c.SendClose(4001, "after the queue")
	})
	c := dialRaw(t, ts)
	// Buffered behind "go": the reader holds the flush while it handles it.
	var b []byte
	b = append(b, c.EncodeFrame(wstest.Text("go"))...)
	b = append(b, c.EncodeFrame(wstest.Text("more"))...)
	c.Conn.Write(b)
	for i := 0; i < n; i++ {
		op, p, _, err := c.ReadMessage(3 * time.Second)
		if err != nil || op != wstest.OpText || string(p) != fmt.Sprint(i) {
			t.Fatalf("message %d: op %d %q %v", i, op, p, err)
		}
	}
	reason := expectClose(t, c, 4001)
	c.Close()
	if reason != "after the queue" {
		t.Errorf("close reason %q", reason)
	}
	if ci := waitClose(t, closed); !ci.wasClean || ci.localCode != 4001 {
		t.Errorf("OnClose %+v", ci)
	}
}

// The peer resets the connection while 8 goroutines send: every send
// returns nil or an error wrapping ErrClosed (never another kind, never a
// hang), a send after the end fails, and OnClose reports 1006 once.
func TestSendMessageDuringPeerReset(t *testing.T) {
	r := startRace(t)
	c, raw := r.c, r.raw
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := bytes.Repeat([]byte{'r'}, 100+g*1000) // some beyond WriteBufferSize
			for i := 0; i < 100000; i++ {
				if err := c.SendMessage(p, true); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < 100; i++ {
		if _, err := raw.ReadFrame(5 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	raw.Conn.(interface{ SetLinger(int) error }).SetLinger(0)
	raw.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("a sender ended with %v, want an error wrapping ErrClosed", err)
		}
	}
	if ci := r.ended(t); ci.wasClean || ci.code != CloseAbnormal {
		t.Errorf("OnClose %+v, want 1006", ci)
	}
	if err := c.SendMessage([]byte("late"), false); !errors.Is(err, ErrClosed) {
		t.Errorf("send after the end: %v", err)
	}
}
