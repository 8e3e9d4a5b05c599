package wscore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// Shutdown with 100 open connections delivers 1001 to each, waits for them,
// and refuses new handshakes with 503 meanwhile and after.
func TestShutdownClosesEveryConnection(t *testing.T) {
	t.Parallel()
	const n = 100
	ts := startServer(t, Options{})
	clients := make([]*wstest.RawClient, n)
	for i := range clients {
		clients[i] = dialRaw(t, ts)
	}
	deadline := time.Now().Add(5 * time.Second)
	for ts.Stats().Open < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// Each client answers the close like a browser would.
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for _, c := range clients {
		wg.Add(1)
		go func(c *wstest.RawClient) {
			defer wg.Done()
			f, err := c.ReadFrame(5 * time.Second)
			if err != nil || f.Op != wstest.OpClose {
				codes <- -1
				return
			}
			code, _ := wstest.CloseCode(f.Payload)
			codes <- code
			c.WriteFrame(wstest.CloseFrame(code, ""))
			c.WaitClosed(2 * time.Second)
			c.Close()
		}(c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != CloseGoingAway {
			t.Fatalf("a client got close code %d, want 1001", code)
		}
	}
	if st := ts.Stats(); st.Open != 0 {
		t.Errorf("%d connections still open after Shutdown (took %v)", st.Open, time.Since(start))
	}
	for i := 0; i < n; i++ {
		if ci := ts.nextClose(t); !ci.wasClean || ci.code != CloseGoingAway {
			t.Fatalf("OnClose %+v", ci)
		}
	}
	_, resp, err := wstest.Dial(ts.Addr, wstest.Handshake{})
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("handshake after Shutdown: %v %v", resp, err)
	}
}

// When the context ends first, Shutdown drops the remaining connections.
func TestShutdownContextDeadlineDrops(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Options{CloseHandshakeTimeout: Unlimited})
	c := dialRaw(t, ts) // never answers the close
	for ts.Stats().Open < 1 {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := ts.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := c.WaitClosed(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if ci := ts.nextClose(t); ci.wasClean || ci.code != CloseAbnormal {
		t.Fatalf("OnClose %+v", ci)
	}
}

// After Shutdown, Prepare refuses with a 503 that wraps ErrShuttingDown.
func TestPrepareAfterShutdown(t *testing.T) {
	t.Parallel()
	s := MustNewServer(func() ServerProtocol { return &BaseServerProtocol{} }, Options{})
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	req := &HandshakeRequest{Method: "GET", RequestURI: "/", ProtoMajor: 1, ProtoMinor: 1, Host: "x", Header: map[string][]string{
		"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Key": {wstest.NewKey()}, "Sec-Websocket-Version": {"13"},
	}}
	_, err := s.Prepare(req)
	var herr *HTTPError
	if !errors.As(err, &herr) || herr.Status != 503 || !errors.Is(err, ErrShuttingDown) {
		t.Fatalf("Prepare after Shutdown: %v", err)
	}
}
