package broadcast_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/wsplug/wsplug/broadcast"
	"github.com/wsplug/wsplug/internal/wstest"
	"github.com/wsplug/wsplug/wscore"
)

// countingConn counts the bytes read from a connection.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Broadcast with permessage-deflate: clients without context takeover (two
// raw clients and gorilla/websocket with EnableCompression) all get the same
// compressed frames, the prepared message's, byte for byte; clients with
// context takeover (coder/websocket, a raw client) get frames compressed
// against their own history; every client reads every message intact.
//
// The prepared message's encode counter is unexported in wscore (its own
// tests check it); from here the evidence is on the wire: RSV1 set, the
// compressed frames identical on every no-takeover connection and of the
// size a one-off compression gives, and the takeover connections' bytes far
// fewer than that.
func TestHubCompression(t *testing.T) {
	hub := broadcast.MustNewHub(broadcast.HubOptions{UnsubscribeDelay: -1})
	defer hub.Close()
	wsURL, _ := serveFeed(t, hub, wscore.Options{PerMessageCompressionAccept: wscore.DefaultDeflateAccept}, nil)
	u, err := url.Parse(wsURL)
	if err != nil {
		t.Fatal(err)
	}

	// Raw clients: two without context takeover, one with.
	dialRaw := func(offer string, noTakeover bool) *wstest.DeflateClient {
		t.Helper()
		c, err := wstest.DialDeflatePath(u.Host, u.Path, offer)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if c.Resp.StatusCode != http.StatusSwitchingProtocols || c.Extensions == "" || c.ServerNoContextTakeover != noTakeover {
			t.Fatalf("offer %q: %d, answer %q", offer, c.Resp.StatusCode, c.Extensions)
		}
		if _, msg, _, err := c.ReadMessage(10 * time.Second); err != nil || string(msg) != "joined" {
			t.Fatalf("offer %q: first message %q, %v", offer, msg, err)
		}
		return c
	}
	const noTakeoverOffer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
	raws := []*wstest.DeflateClient{dialRaw(noTakeoverOffer, true), dialRaw(noTakeoverOffer, true)}
	rawTakeover := dialRaw("permessage-deflate", false)

	// gorilla/websocket with EnableCompression offers no context takeover.
	var gorillaBytes atomic.Int64
	gd := websocket.Dialer{
		HandshakeTimeout:  5 * time.Second,
		EnableCompression: true,
		NetDial: func(network, a string) (net.Conn, error) {
			c, err := net.DialTimeout(network, a, 5*time.Second)
			if err != nil {
				return nil, err
			}
			return countingConn{c, &gorillaBytes}, nil
		},
	}
	gc, resp, err := gd.Dial(wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "server_no_context_takeover") {
		t.Fatalf("gorilla: extensions %q", ext)
	}
	gc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, msg, err := gc.ReadMessage(); err != nil || string(msg) != "joined" {
		t.Fatalf("gorilla: first message %q, %v", msg, err)
	}

	// coder/websocket with context takeover.
	var coderBytes atomic.Int64
	tr := &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, a)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &coderBytes}, nil
	}}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cc, cresp, err := coder.Dial(ctx, wsURL, &coder.DialOptions{
		HTTPClient:      &http.Client{Transport: tr},
		CompressionMode: coder.CompressionContextTakeover,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.CloseNow()
	if ext := cresp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") || strings.Contains(ext, "server_no_context_takeover") {
		t.Fatalf("coder: extensions %q", ext)
	}
	if _, msg, err := cc.Read(ctx); err != nil || string(msg) != "joined" {
		t.Fatalf("coder: first message %q, %v", msg, err)
	}
	if n := hub.Members(feedTopic); n != 5 {
		t.Fatalf("%d members, want 5", n)
	}

	// Messages that compress to well under half alone (random words of a
	// small vocabulary) and to almost nothing against the previous one.
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("broadcast topic room node broker redis nats frame deflate window " +
		"message client server queue prepared compress once shared takeover context")
	var base []byte
	for len(base) < 3000 {
		base = append(append(base, words[rng.IntN(len(words))]...), ' ')
	}
	const messages = 6
	payloads := make([][]byte, messages)
	for i := range payloads {
		payloads[i] = append(fmt.Appendf(nil, "message %d: ", i), base...)
	}
	gorillaStart, coderStart := gorillaBytes.Load(), coderBytes.Load()
	for _, p := range payloads {
		if err := hub.Publish(context.Background(), feedTopic, p, false); err != nil {
			t.Fatal(err)
		}
	}

	// The raw no-takeover clients: compressed frames, identical on both.
	var rawWire int64
	for i, p := range payloads {
		var frames [2]wstest.Frame
		for j, c := range raws {
			f, err := c.ReadFrame(10 * time.Second)
			if err != nil {
				t.Fatalf("raw client %d, message %d: %v", j, i, err)
			}
			if !f.Fin || f.Op != wstest.OpText || f.Rsv != 4 {
				t.Fatalf("raw client %d, message %d: fin %v op %d rsv %d, want one compressed text frame (RSV1)", j, i, f.Fin, f.Op, f.Rsv)
			}
			var inf wstest.Inflater // no context takeover: each message alone
			out, err := inf.Message(f.Payload)
			if err != nil || !bytes.Equal(out, p) {
				t.Fatalf("raw client %d, message %d: inflated to %d bytes (%v), want the %d published", j, i, len(out), err, len(p))
			}
			frames[j] = f
		}
		if !bytes.Equal(frames[0].Payload, frames[1].Payload) {
			t.Errorf("message %d: the no-takeover connections got different compressed bytes (%d and %d)", i, len(frames[0].Payload), len(frames[1].Payload))
		}
		if z := len(frames[0].Payload); z >= len(p)/2 {
			t.Errorf("message %d: %d bytes compressed from %d", i, z, len(p))
		}
		rawWire += int64(len(wstest.EncodeFrame(frames[0]))) // unmasked, as the server sent it
	}

	// gorilla (no takeover) reads every message and exactly the raw clients'
	// bytes: the same shared frames.
	for i, p := range payloads {
		if _, msg, err := gc.ReadMessage(); err != nil || !bytes.Equal(msg, p) {
			t.Fatalf("gorilla, message %d: %d bytes, %v", i, len(msg), err)
		}
	}
	if got := gorillaBytes.Load() - gorillaStart; got != rawWire {
		t.Errorf("gorilla read %d bytes for the messages, the raw no-takeover clients %d: not the same frames", got, rawWire)
	}

	// With context takeover the later messages refer to the earlier ones:
	// compressed per connection, far smaller.
	for i, p := range payloads {
		_, msg, _, err := rawTakeover.ReadMessage(10 * time.Second)
		if err != nil || !bytes.Equal(msg, p) {
			t.Fatalf("raw takeover client, message %d: %d bytes, %v", i, len(msg), err)
		}
	}
	// A reference within one message reaches back at most its length - 1.
	if rawTakeover.MaxDistance < len(payloads[0]) {
		t.Errorf("takeover connection: farthest back-reference %d, want one into an earlier message (>= %d)", rawTakeover.MaxDistance, len(payloads[0]))
	}
	for i, p := range payloads {
		if _, msg, err := cc.Read(ctx); err != nil || !bytes.Equal(msg, p) {
			t.Fatalf("coder, message %d: %d bytes, %v", i, len(msg), err)
		}
	}
	if got := coderBytes.Load() - coderStart; got >= rawWire/2 {
		t.Errorf("coder (context takeover) read %d bytes, the no-takeover clients %d: takeover should need far fewer", got, rawWire)
	}
	waitFor(t, "every message counted as sent", func() bool { return hub.Stats().Sent == 5*messages })
	t.Logf("%d messages of %d bytes: %d bytes on each no-takeover connection, %d with takeover (coder)",
		messages, len(payloads[0]), rawWire, coderBytes.Load()-coderStart)
	cc.Close(coder.StatusNormalClosure, "")
}
