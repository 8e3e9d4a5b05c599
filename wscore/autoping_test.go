package wscore

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// A client that never answers pings is dropped after interval + timeout, and
// OnClose reports it as abnormal.
func TestAutoPingTimeoutDropsSilentPeer(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Options{AutoPingInterval: 100 * time.Millisecond, AutoPingTimeout: 150 * time.Millisecond, AutoPingSize: 20})
	c := dialRaw(t, ts)
	start := time.Now()
	f, err := c.ReadFrame(2 * time.Second)
	if err != nil || f.Op != wstest.OpPing || len(f.Payload) != 20 {
		t.Fatalf("want a 20-byte ping, got %+v %v", f, err)
	}
	if _, err := c.WaitClosed(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("dropped after %v, want about 250ms", d)
	}
	ci := ts.nextClose(t)
	if ci.wasClean || ci.code != CloseAbnormal || !strings.Contains(ci.reason, "auto-ping timeout") {
		t.Fatalf("OnClose %+v", ci)
	}
}

// A peer that answers every ping with the same payload stays connected.
func TestAutoPingAnsweredKeepsConnection(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Options{AutoPingInterval: 50 * time.Millisecond, AutoPingTimeout: time.Second})
	c := dialRaw(t, ts)
	var payloads [][]byte
	deadline := time.Now().Add(600 * time.Millisecond)
	for time.Now().Before(deadline) {
		f, err := c.ReadFrame(time.Second)
		if err != nil {
			t.Fatalf("after %d pings: %v", len(payloads), err)
		}
		if f.Op != wstest.OpPing {
			t.Fatalf("unexpected opcode %d", f.Op)
		}
		if len(f.Payload) != DefaultAutoPingSize {
			t.Fatalf("ping payload of %d bytes", len(f.Payload))
		}
		payloads = append(payloads, f.Payload)
		c.WriteFrame(wstest.Pong(f.Payload))
	}
	if len(payloads) < 4 {
		t.Fatalf("only %d pings in 600ms at a 50ms interval", len(payloads))
	}
	if bytes.Equal(payloads[0], payloads[1]) {
		t.Error("ping payloads are not random")
	}
	// Still open: an echo works.
	c.WriteFrame(wstest.Text("alive"))
	for {
		f, err := c.ReadFrame(time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if f.Op == wstest.OpText {
			if string(f.Payload) != "alive" {
				t.Fatalf("echo %q", f.Payload)
			}
			break
		}
		c.WriteFrame(wstest.Pong(f.Payload))
	}
}

// Only a pong with the ping's payload answers it; any received traffic also
// proves the peer alive (Autobahn's autoPingRestartOnAnyTraffic).
func TestAutoPingMatchingAndTraffic(t *testing.T) {
	t.Parallel()
	t.Run("payload must match", func(t *testing.T) {
		t.Parallel()
		p := &pinger{interval: time.Hour, timeout: time.Hour}
		p.timer = time.AfterFunc(time.Hour, func() {})
		defer p.timer.Stop()
		p.payload = []byte("abcd")
		p.pong([]byte("abce"))
		if p.payload == nil {
			t.Fatal("a pong with another payload answered the ping")
		}
		p.pong([]byte("abcd"))
		if p.payload != nil {
			t.Fatal("the matching pong did not answer the ping")
		}
	})
	t.Run("traffic keeps it alive", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, Options{AutoPingInterval: 50 * time.Millisecond, AutoPingTimeout: time.Second})
		c := dialRaw(t, ts)
		stop := time.Now().Add(500 * time.Millisecond)
		for time.Now().Before(stop) {
			c.WriteFrame(wstest.Pong([]byte("not the ping's payload")))
			time.Sleep(30 * time.Millisecond)
		}
		c.WriteFrame(wstest.Text("still here"))
		for {
			f, err := c.ReadFrame(time.Second)
			if err != nil {
				t.Fatalf("dropped although the peer kept sending: %v", err)
			}
			if f.Op == wstest.OpText {
				break
			}
		}
	})
}
