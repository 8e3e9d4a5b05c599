package wscore

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsplug/wsplug/internal/wstest"
)

// wireFrames reads n frames that a client sends, as they are on the wire, on a
// raw server.
func wireFrames(t *testing.T, n int, opts *ClientOptions, send func(c *Conn)) []wstest.Frame {
	t.Helper()
	return wireFramesWith(t, n, opts, nil, send)
}

// wireFramesWith is wireFrames with extra header lines in the raw server's
// 101 response.
func wireFramesWith(t *testing.T, n int, opts *ClientOptions, header []string, send func(c *Conn)) []wstest.Frame {
	t.Helper()
	frames := make(chan []wstest.Frame, 1)
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		conn.Write([]byte(response101(req, header...)))
		fc := frameConn(conn, br)
		var got []wstest.Frame
		for len(got) < n {
			f, err := fc.ReadFrame(5 * time.Second)
			if err != nil {
				break
			}
			got = append(got, f)
		}
		frames <- got
	})
	p := newRecClient()
	c := dialT(t, rs.URL, p, opts)
	send(c)
	got := <-frames
	if len(got) != n {
		t.Fatalf("server read %d frames, want %d", len(got), n)
	}
	return got
}

// Every frame the client sends is masked, with a key of its own, and the
// payload unmasks to what was sent.
func TestClientMasksFrames(t *testing.T) {
	msgs := [][]byte{[]byte("one"), {}, clientPayload(125, false), clientPayload(126, true), clientPayload(70000, true), []byte("six")}
	frames := wireFrames(t, len(msgs)+2, nil, func(c *Conn) {
		for i, m := range msgs {
			if err := c.SendMessage(m, i%2 == 1); err != nil {
				t.Error(err)
			}
		}
		c.Ping([]byte("ping"))
		c.SendClose(CloseNormal, "done")
	})
	keys := map[[4]byte]bool{}
	for i, f := range frames {
		if !f.Masked {
			t.Errorf("frame %d (opcode %d) is not masked", i, f.Op)
		}
		if keys[f.Key] {
			t.Errorf("frame %d reuses masking key %x", i, f.Key)
		}
		keys[f.Key] = true
		if i < len(msgs) && !bytes.Equal(f.Payload, msgs[i]) {
			t.Errorf("frame %d does not unmask to the message", i)
		}
	}
	if f := frames[len(msgs)]; f.Op != wstest.OpPing || string(f.Payload) != "ping" {
		t.Errorf("ping frame %+v", f)
	}
	if code, reason := wstest.CloseCode(frames[len(msgs)+1].Payload); code != CloseNormal || reason != "done" {
		t.Errorf("close frame %d %q", code, reason)
	}
}

// Keys come from crypto/rand: over many frames none repeats and every byte
// value shows up.
func TestClientMaskKeysRandom(t *testing.T) {
	const n = 500
	frames := wireFrames(t, n, nil, func(c *Conn) {
		for i := 0; i < n; i++ {
			c.SendMessage([]byte{byte(i)}, true)
		}
	})
	keys := map[[4]byte]bool{}
	var seen [256]bool
	for _, f := range frames {
		keys[f.Key] = true
		for _, b := range f.Key {
			seen[b] = true
		}
	}
	if len(keys) != n {
		t.Fatalf("%d distinct keys in %d frames", len(keys), n)
	}
	missing := 0
	for _, s := range seen {
		if !s {
			missing++
		}
	}
	if missing > 8 { // 2000 random bytes miss a given value with probability ~0.04%
		t.Fatalf("%d byte values never appear in 2000 key bytes", missing)
	}
}

func TestClientMaskingOptions(t *testing.T) {
	frames := wireFrames(t, 1, &ClientOptions{DisableClientMasking: true}, func(c *Conn) {
		c.SendMessage([]byte("plain"), false)
	})
	if f := frames[0]; f.Masked || string(f.Payload) != "plain" {
		t.Fatalf("DisableClientMasking: masked %v payload %q", f.Masked, f.Payload)
	}
	frames = wireFrames(t, 1, &ClientOptions{DisableApplyMask: true}, func(c *Conn) {
		c.SendMessage([]byte("plain"), false)
	})
	// The raw server unmasks; a payload sent without XOR comes out scrambled
	// unless the key is zero.
	f := frames[0]
	if !f.Masked {
		t.Fatal("DisableApplyMask: mask bit not set")
	}
	raw := append([]byte(nil), f.Payload...)
	maskBytes(f.Key, 0, raw) // undo the server's unmasking: the bytes as sent
	if string(raw) != "plain" {
		t.Fatalf("DisableApplyMask: wire payload %q, want it unchanged", raw)
	}
}

func TestClientAutoFragment(t *testing.T) {
	msg := clientPayload(10, false)
	frames := wireFrames(t, 3, &ClientOptions{AutoFragmentSize: 4}, func(c *Conn) {
		c.SendMessage(msg, false)
	})
	var got []byte
	for i, f := range frames {
		wantOp := byte(wstest.OpContinuation)
		if i == 0 {
			wantOp = wstest.OpText
		}
		if f.Op != wantOp || f.Fin != (i == 2) || !f.Masked || len(f.Payload) > 4 {
			t.Errorf("fragment %d: %+v", i, f)
		}
		got = append(got, f.Payload...)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("fragments give %q", got)
	}
}

// Automatic pings work on the client side too: masked, answered pongs keep
// the connection, a missing pong ends it.
func TestClientAutoPing(t *testing.T) {
	pings := make(chan wstest.Frame, 4)
	rs := startRawServer(t, func(conn net.Conn, br *bufio.Reader, req *http.Request) {
		conn.Write([]byte(response101(req)))
		fc := frameConn(conn, br)
		for answered := 0; ; answered++ {
			f, err := fc.ReadFrame(5 * time.Second)
			if err != nil || f.Op != wstest.OpPing {
				return
			}
			pings <- f
			if answered < 2 { // answer two pings, then go silent
				fc.WriteFrame(wstest.Pong(f.Payload))
			}
		}
	})
	p := newRecClient()
	start := time.Now()
	dialT(t, rs.URL, p, &ClientOptions{AutoPingInterval: 50 * time.Millisecond, AutoPingTimeout: 200 * time.Millisecond, AutoPingSize: 8})
	for i := 0; i < 3; i++ {
		select {
		case f := <-pings:
			if !f.Masked || len(f.Payload) != 8 {
				t.Fatalf("ping %d: masked %v, %d bytes", i, f.Masked, len(f.Payload))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ping %d never came", i)
		}
	}
	ci := p.nextClose(t, 5*time.Second)
	if ci.wasClean || !strings.Contains(ci.reason, "auto-ping timeout") {
		t.Fatalf("OnClose %+v, want the auto-ping timeout", ci)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("ended after %v", d)
	}
}

// Streamed and prepared messages are masked on a client as well.
func TestClientMasksStreamAndPrepared(t *testing.T) {
	msg := clientPayload(10000, true)
	frames := wireFrames(t, 4, &ClientOptions{AutoFragmentSize: 4096}, func(c *Conn) {
		w, err := c.NextWriter(true)
		if err != nil {
			t.Error(err)
			return
		}
		w.Write(msg)
		w.Close()
		c.SendPreparedMessage(NewPreparedMessage([]byte("prepared"), false))
	})
	var streamed []byte
	for i, f := range frames {
		if !f.Masked {
			t.Errorf("frame %d (opcode %d) is not masked", i, f.Op)
		}
		if i < len(frames)-1 {
			streamed = append(streamed, f.Payload...)
		}
	}
	last := frames[len(frames)-1]
	if last.Op != wstest.OpText || string(last.Payload) != "prepared" {
		t.Errorf("prepared message frame %+v", last)
	}
	if !bytes.Equal(streamed, msg) {
		t.Errorf("streamed fragments give %d bytes, not the message", len(streamed))
	}
}
