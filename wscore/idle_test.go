package wscore

import (
	"runtime"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// A connection that stays silent moves to a fresh goroutine and goes on
// working: messages after the hop, a frame cut by a long pause (the sweeper's
// wake-up lands mid-frame), and the closing handshake.
func TestIdleHopKeepsConnectionsWorking(t *testing.T) {
	t.Parallel()
	opened := make(chan *Conn, 1)
	s, err := NewServer(func() ServerProtocol { return &echoAndNotify{opened: opened} }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, s, nil)
	c := dialRaw(t, ts)
	conn := <-opened
	c.WriteFrame(wstest.Text("before"))
	if _, got, _, err := c.ReadMessage(2 * time.Second); err != nil || string(got) != "before" {
		t.Fatalf("%q %v", got, err)
	}
	waitParked(t, conn)

	c.WriteFrame(wstest.Text("after the hop"))
	if _, got, _, err := c.ReadMessage(2 * time.Second); err != nil || string(got) != "after the hop" {
		t.Fatalf("%q %v", got, err)
	}

	// Half a frame, then silence long enough for a sweep, then the rest.
	frame := c.EncodeFrame(wstest.Text("cut in two by a long pause"))
	c.Conn.Write(frame[:10])
	time.Sleep(2500 * time.Millisecond)
	c.Conn.Write(frame[10:])
	if _, got, _, err := c.ReadMessage(2 * time.Second); err != nil || string(got) != "cut in two by a long pause" {
		t.Fatalf("%q %v", got, err)
	}

	waitParked(t, conn)
	c.WriteFrame(wstest.CloseFrame(1000, "bye"))
	if _, err := c.WaitClosed(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case <-conn.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("the connection did not end")
	}
}

// The closing handshake's read deadline survives a sweep.
func TestIdleHopDuringCloseHandshake(t *testing.T) {
	t.Parallel()
	ts, closed := startActing(t, Options{CloseHandshakeTimeout: 3 * time.Second}, func(c *Conn, p []byte) {
		c.SendClose(1000, "")
	})
	c := dialRaw(t, ts)
	c.WriteFrame(wstest.Text("close please"))
	start := time.Now()
	// Never answer: the server must drop at its close timeout, not earlier
	// (a sweep in between must not cut it short) and not never.
	if _, err := c.WaitClosed(6 * time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 2500*time.Millisecond {
		t.Errorf("dropped after %v, before the 3 s close timeout", d)
	}
	c.Close()
	if ci := waitClose(t, closed); ci.wasClean {
		t.Fatalf("OnClose %+v", ci)
	}
}

func waitParked(t *testing.T, c *Conn) {
	t.Helper()
	deadline := time.Now().Add(4 * idleHopAfter)
	for !c.parked.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the idle connection's reader was not moved to a fresh goroutine")
		}
		time.Sleep(20 * time.Millisecond)
	}
	runtime.Gosched()
}
